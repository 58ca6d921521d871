// Physical replication over a walsender connection. See docs/dev/core-api.md.
export {
  createReplicationSlot, createReplicationSlotCommand, dropReplicationSlot, identifySystem, readReplicationSlot,
  showSetting, startReplicationCommand, timelineHistory,
} from './commands.js';
export type { CreateSlotOptions, SlotPosition, StartReplicationOptions, SystemIdentity } from './commands.js';
export { startReplication } from './stream.js';
export type { ReplicationStream, TimelineSwitch } from './stream.js';
export type { Keepalive, ReplicationMessage, StandbyStatus, XLogData } from './messages.js';
export {
  decodeReplicationMessage, encodeStandbyStatus, pgTimestampNow, pgTimestampToDate, PG_EPOCH_UNIX_MS,
} from './codec.js';
export { checkArchiveName, decodeBaseBackupMessage } from './base-backup-codec.js';
export type { BaseBackupMessage } from './base-backup-codec.js';
export { quoteIdentifier, quoteLiteral } from './quote.js';
