import { ValidationError } from '../errors.js';

/**
 * Log sequence numbers are unsigned 64-bit byte positions in the WAL stream. They are kept
 * as bigint everywhere: a JavaScript number loses precision past 2^53.
 */
export const MAX_LSN = 0xffff_ffff_ffff_ffffn;

// Up to 18 the low half prints as `%X`; 19 zero-pads it to 8 digits. Both parse here.
const lsnPattern = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** "16/B374D848" or "0/0000ABCD" → bigint. Throws ValidationError on anything else. */
export function parseLsn(text: string): bigint {
  const match = lsnPattern.exec(text.trim());
  if (match === null) {
    throw new ValidationError('invalid-lsn', `Cannot parse LSN "${text}": expected X/X in hexadecimal`);
  }
  const [, high = '0', low = '0'] = match;
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/** Whether `text` is a well-formed LSN, without throwing. */
export const isLsnText = (text: string): boolean => lsnPattern.test(text.trim());

/** bigint → "%X/%X", the way PostgreSQL up to 18 prints it. */
export function formatLsn(lsn: bigint): string {
  assertLsn(lsn);
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffff_ffffn).toString(16).toUpperCase()}`;
}

/** bigint → "%X/%08X", the way PostgreSQL 19 prints it. */
export function formatLsnPadded(lsn: bigint): string {
  assertLsn(lsn);
  const low = (lsn & 0xffff_ffffn).toString(16).toUpperCase().padStart(8, '0');
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${low}`;
}

const assertLsn = (lsn: bigint): void => {
  if (lsn < 0n || lsn > MAX_LSN) {
    throw new ValidationError('invalid-lsn', `Cannot use LSN ${lsn}: outside 0..2^64-1`);
  }
};

/** `lsn + bytes`, refusing to wrap past 2^64 - 1. */
export const addLsn = (lsn: bigint, bytes: bigint | number): bigint => {
  const sum = lsn + BigInt(bytes);
  assertLsn(sum);
  return sum;
};

/** Bytes from `from` to `to` (negative when `to` is before `from`), like pg_wal_lsn_diff. */
export const lsnDiff = (to: bigint, from: bigint): bigint => to - from;

export const compareLsn = (a: bigint, b: bigint): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0);
