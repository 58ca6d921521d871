import { PgServerError, serverErrorText } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import {
  createReplicationSlot,
  createReplicationSlotCommand,
  dropReplicationSlot,
} from '../../core/pg/replication/commands.js';
import { quoteIdentifier } from '../../core/pg/replication/quote.js';
import type { ReceivewalOptions } from './options.js';
import { FatalStreamError } from './errors.js';
import type { Reporter } from './report.js';

const DUPLICATE_OBJECT = '42710';

/**
 * --create-slot / --drop-slot: do it and exit 0. The slot is physical and created without
 * RESERVE_WAL (it reserves WAL from the first time receivewal streams from it), as
 * pg_receivewal creates it.
 */
export async function runSlotAction(connection: PgConnection, options: ReceivewalOptions, reporter: Reporter): Promise<number> {
  const slot = options.slot as string;
  if (options.action === 'drop-slot') {
    reporter.verbose(`dropping replication slot "${slot}"`);
    try {
      await dropReplicationSlot(connection, slot);
    } catch (error) {
      throw commandFailed(`DROP_REPLICATION_SLOT ${quoteIdentifier(slot)}`, error);
    }
    return 0;
  }
  reporter.verbose(`creating replication slot "${slot}"`);
  try {
    await createReplicationSlot(connection, slot, {});
  } catch (error) {
    if (options.ifNotExists && error instanceof PgServerError && error.sqlstate === DUPLICATE_OBJECT) return 0;
    throw commandFailed(createReplicationSlotCommand(connection.serverVersionNum, slot, {}), error);
  }
  return 0;
}

const commandFailed = (command: string, error: unknown): Error =>
  error instanceof PgServerError
    ? new FatalStreamError('slot-action', `could not send replication command "${command}": ${serverErrorText(error)}`)
    : (error as Error);
