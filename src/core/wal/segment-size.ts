import { ValidationError } from '../errors.js';

export const MIN_SEGMENT_SIZE = 1024 * 1024;
export const MAX_SEGMENT_SIZE = 1024 * 1024 * 1024;
export const DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;

/** WAL segment sizes are powers of two from 1 MB to 1 GB (initdb --wal-segsize). */
export const isValidSegmentSize = (size: number): boolean =>
  Number.isInteger(size) &&
  size >= MIN_SEGMENT_SIZE &&
  size <= MAX_SEGMENT_SIZE &&
  (size & (size - 1)) === 0;

export function assertSegmentSize(size: number): void {
  if (!isValidSegmentSize(size)) {
    throw new ValidationError(
      'invalid-segment-size',
      `Cannot use WAL segment size ${size}: it must be a power of two between 1 MB and 1 GB`,
    );
  }
}

const unitBytes: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1024,
  MB: 1024 * 1024,
  GB: 1024 * 1024 * 1024,
};

/**
 * `SHOW wal_segment_size` text ("16MB", "1GB", "1048576", "512kB") → bytes. The server
 * prints the largest unit that divides the value exactly; a bare number is bytes.
 */
export function parseSegmentSizeSetting(text: string): number {
  const match = /^\s*(\d+)\s*(B|kB|MB|GB)?\s*$/.exec(text);
  const digits = match?.[1];
  if (match === null || digits === undefined) {
    throw new ValidationError('invalid-segment-size', `Cannot parse WAL segment size "${text}"`);
  }
  const size = Number(digits) * (unitBytes[match[2] ?? 'B'] ?? 1);
  assertSegmentSize(size);
  return size;
}
