import { ValidationError } from '../errors.js';
import { assertSegmentSize } from './segment-size.js';

/** Segments per 4 GB "xlog id": the middle 8 hex digits of a name count these. */
export const segmentsPerXLogId = (segSize: number): bigint => 0x1_0000_0000n / BigInt(segSize);

const hex8 = (value: number | bigint): string => value.toString(16).toUpperCase().padStart(8, '0');

export const MAX_TIMELINE = 0xffff_ffff;
const MAX_SEGNO = 0xffff_ffff_ffff_ffffn;

const assertTimeline = (tli: number): void => {
  if (!Number.isInteger(tli) || tli < 1 || tli > MAX_TIMELINE) {
    throw new ValidationError('invalid-timeline', `Cannot use timeline ${tli}: outside 1..4294967295`);
  }
};

/** (timeline, segment number) → "00000001000000A3000000FF" for a segment size. */
export function segmentFileName(tli: number, segno: bigint, segSize: number): string {
  assertSegmentSize(segSize);
  assertTimeline(tli);
  const perId = segmentsPerXLogId(segSize);
  const log = segno / perId;
  if (segno < 0n || log > 0xffff_ffffn) {
    throw new ValidationError('invalid-segment-number', `Cannot name WAL segment number ${segno}`);
  }
  return `${hex8(tli)}${hex8(log)}${hex8(segno % perId)}`;
}

const segmentNamePattern = /^[0-9A-F]{24}$/;

/** Whether `name` is exactly 24 upper-case hex digits, the shape of a segment file name. */
export const isSegmentFileName = (name: string): boolean => segmentNamePattern.test(name);

/**
 * "00000001000000A3000000FF" → { timeline, segno }. The last 8 digits must be below the
 * number of segments per xlog id for this segment size (a 1 GB segment only counts 0..3).
 */
export function parseSegmentFileName(name: string, segSize: number): { timeline: number; segno: bigint } {
  assertSegmentSize(segSize);
  if (!isSegmentFileName(name)) {
    throw new ValidationError('invalid-wal-name', `Cannot parse WAL file name "${name}": expected 24 hex digits`);
  }
  const timeline = Number.parseInt(name.slice(0, 8), 16);
  const log = BigInt(`0x${name.slice(8, 16)}`);
  const seg = BigInt(`0x${name.slice(16, 24)}`);
  const perId = segmentsPerXLogId(segSize);
  if (timeline === 0 || seg >= perId) {
    throw new ValidationError(
      'invalid-wal-name',
      `Cannot parse WAL file name "${name}": not a segment of a ${segSize / (1024 * 1024)} MB WAL`,
    );
  }
  return { timeline, segno: log * perId + seg };
}

/** The segment holding byte `lsn` (XLByteToSeg). */
export function segmentNumberOf(lsn: bigint, segSize: number): bigint {
  assertSegmentSize(segSize);
  return lsn / BigInt(segSize);
}

/** The first LSN of segment `segno` (XLogSegNoOffsetToRecPtr with offset 0). */
export function segmentStartLsn(segno: bigint, segSize: number): bigint {
  assertSegmentSize(segSize);
  if (segno < 0n || segno > MAX_SEGNO / BigInt(segSize)) {
    throw new ValidationError('invalid-segment-number', `Cannot locate WAL segment number ${segno}`);
  }
  return segno * BigInt(segSize);
}

/** Byte offset of `lsn` inside its segment. */
export const segmentOffsetOf = (lsn: bigint, segSize: number): number =>
  Number(lsn % BigInt(segSize));

/** `lsn` rounded down to the start of its segment. */
export const segmentStartOf = (lsn: bigint, segSize: number): bigint =>
  segmentStartLsn(segmentNumberOf(lsn, segSize), segSize);

/** "%08X.history" for a timeline. */
export function historyFileName(tli: number): string {
  assertTimeline(tli);
  return `${hex8(tli)}.history`;
}

/** "<segment>.%08X.backup" for a backup that started at `startLsn` in segment `segName`. */
export function backupHistoryFileName(tli: number, startLsn: bigint, segSize: number): string {
  const segno = segmentNumberOf(startLsn, segSize);
  const offset = startLsn % BigInt(segSize);
  return `${segmentFileName(tli, segno, segSize)}.${hex8(offset)}.backup`;
}
