import { ProtocolError } from '../../errors.js';
import { BufferReader } from '../protocol/buffer-reader.js';
import { type ReplicationMessage, ReplicationMessageType, type StandbyStatus } from './messages.js';

export const XLOG_DATA_HEADER_SIZE = 25;
export const KEEPALIVE_SIZE = 18;
export const STANDBY_STATUS_SIZE = 34;

/** PostgreSQL's epoch (2000-01-01 UTC) in Unix milliseconds. */
export const PG_EPOCH_UNIX_MS = 946_684_800_000;

/** Now, as PostgreSQL protocol timestamps count: microseconds since 2000-01-01 UTC. */
export const pgTimestampNow = (nowMs: number = Date.now()): bigint =>
  BigInt(Math.round(nowMs - PG_EPOCH_UNIX_MS)) * 1000n;

/** A protocol timestamp as a JavaScript Date (millisecond precision). */
export const pgTimestampToDate = (micros: bigint): Date =>
  new Date(Number(micros / 1000n) + PG_EPOCH_UNIX_MS);

const readBool = (reader: BufferReader, what: string): boolean => {
  const value = reader.int8();
  if (value > 1) throw new ProtocolError(`Cannot decode ${what}: reply flag ${value} is not 0 or 1`);
  return value === 1;
};

/**
 * Decodes one CopyData payload of a physical replication stream. The WAL bytes of an
 * XLogData are a view into `payload`, which the caller must own (the backend parser
 * guarantees that for CopyData).
 */
export const decodeReplicationMessage = (payload: Buffer): ReplicationMessage => {
  const kind = payload.length > 0 ? String.fromCharCode(payload[0] ?? 0) : '';
  if (kind === ReplicationMessageType.xlogData) {
    const reader = new BufferReader(payload, 'XLogData');
    reader.int8();
    const dataStart = reader.uint64();
    const walEnd = reader.uint64();
    const sendTime = reader.int64();
    return { kind: 'xlogdata', dataStart, walEnd, sendTime, data: reader.rest() };
  }
  if (kind === ReplicationMessageType.keepalive) {
    const reader = new BufferReader(payload, 'keepalive');
    reader.int8();
    const walEnd = reader.uint64();
    const sendTime = reader.int64();
    const replyRequested = readBool(reader, 'keepalive');
    reader.end();
    return { kind: 'keepalive', walEnd, sendTime, replyRequested };
  }
  const shown = kind === '' ? 'an empty message' : `type 0x${(payload[0] ?? 0).toString(16).padStart(2, '0')}`;
  throw new ProtocolError(`Cannot decode replication message: unexpected ${shown}`);
};

/** 'r' standby status update: the CopyData payload (34 bytes). */
export const encodeStandbyStatus = (status: StandbyStatus, clientTime: bigint = pgTimestampNow()): Buffer => {
  const out = Buffer.alloc(STANDBY_STATUS_SIZE);
  out.write(ReplicationMessageType.standbyStatus, 0, 'latin1');
  out.writeBigUInt64BE(status.write, 1);
  out.writeBigUInt64BE(status.flush, 9);
  out.writeBigUInt64BE(status.apply, 17);
  out.writeBigInt64BE(clientTime, 25);
  out.writeUInt8(status.replyRequested === true ? 1 : 0, 33);
  return out;
};

/** Encoders of the server side, used to build exact test streams and by nothing else. */
export const encodeXLogData = (m: { dataStart: bigint; walEnd: bigint; sendTime: bigint; data: Buffer }): Buffer => {
  const out = Buffer.alloc(XLOG_DATA_HEADER_SIZE + m.data.length);
  out.write(ReplicationMessageType.xlogData, 0, 'latin1');
  out.writeBigUInt64BE(m.dataStart, 1);
  out.writeBigUInt64BE(m.walEnd, 9);
  out.writeBigInt64BE(m.sendTime, 17);
  m.data.copy(out, XLOG_DATA_HEADER_SIZE);
  return out;
};

export const encodeKeepalive = (m: { walEnd: bigint; sendTime: bigint; replyRequested: boolean }): Buffer => {
  const out = Buffer.alloc(KEEPALIVE_SIZE);
  out.write(ReplicationMessageType.keepalive, 0, 'latin1');
  out.writeBigUInt64BE(m.walEnd, 1);
  out.writeBigInt64BE(m.sendTime, 9);
  out.writeUInt8(m.replyRequested ? 1 : 0, 17);
  return out;
};
