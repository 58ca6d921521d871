import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { parseLsn } from '../../../src/core/wal/lsn.js';
import {
  backupHistoryFileName, historyFileName, parseSegmentFileName, segmentFileName,
  segmentNumberOf, segmentStartLsn, segmentStartOf, segmentsPerXLogId,
} from '../../../src/core/wal/segment-name.js';
import { isValidSegmentSize, parseSegmentSizeSetting } from '../../../src/core/wal/segment-size.js';

const MB = 1024 * 1024;

describe('segment names', () => {
  it('names 16 MB segments like the server (pg_walfile_name)', () => {
    // pg_walfile_name('16/B374D848') on timeline 1 = 0000000100000016000000B3
    const lsn = parseLsn('16/B374D848');
    expect(segmentFileName(1, segmentNumberOf(lsn, 16 * MB), 16 * MB)).toBe('0000000100000016000000B3');
    expect(segmentFileName(0x1a, 0n, 16 * MB)).toBe('0000001A0000000000000000');
  });

  it('splits segment numbers at 0x100000000 / segSize for every size', () => {
    for (let size = MB; size <= 1024 * MB; size *= 2) {
      const perId = segmentsPerXLogId(size);
      expect(perId).toBe(BigInt(0x1_0000_0000 / size));
      const segno = perId * 5n + (perId - 1n);
      const name = segmentFileName(3, segno, size);
      expect(name).toBe(`00000003${'00000005'}${(perId - 1n).toString(16).toUpperCase().padStart(8, '0')}`);
      expect(parseSegmentFileName(name, size)).toEqual({ timeline: 3, segno });
      expect(segmentStartLsn(segno, size)).toBe(segno * BigInt(size));
      expect(segmentNumberOf(segmentStartLsn(segno, size) + BigInt(size) - 1n, size)).toBe(segno);
    }
  });

  it('names 1 GB segments with 0..3 in the last part', () => {
    const GB = 1024 * MB;
    expect(segmentFileName(1, 7n, GB)).toBe('000000010000000100000003');
    expect(() => parseSegmentFileName('000000010000000100000004', GB)).toThrow(/not a segment of a 1024 MB WAL/);
  });

  it('rejects malformed names, timeline 0 and bad sizes', () => {
    expect(() => parseSegmentFileName('00000001000000000000000', 16 * MB)).toThrow(ValidationError);
    expect(() => parseSegmentFileName('00000001000000000000000g', 16 * MB)).toThrow(ValidationError);
    expect(() => parseSegmentFileName('000000000000000000000001', 16 * MB)).toThrow(ValidationError);
    expect(() => parseSegmentFileName('000000010000000000000100', 16 * MB)).toThrow(ValidationError);
    expect(() => segmentFileName(0, 1n, 16 * MB)).toThrow(ValidationError);
    expect(() => segmentFileName(1, 1n, 3 * MB)).toThrow(ValidationError);
    expect(() => segmentFileName(1, -1n, 16 * MB)).toThrow(ValidationError);
  });

  it('rounds an LSN down to its segment start', () => {
    expect(segmentStartOf(parseLsn('0/3000148'), 16 * MB)).toBe(parseLsn('0/3000000'));
  });

  it('names history and backup history files', () => {
    expect(historyFileName(2)).toBe('00000002.history');
    expect(historyFileName(0xabc)).toBe('00000ABC.history');
    expect(backupHistoryFileName(1, parseLsn('0/2000028'), 16 * MB)).toBe('000000010000000000000002.00000028.backup');
  });
});

describe('wal_segment_size text', () => {
  it.each([
    ['16MB', 16 * MB], ['1GB', 1024 * MB], ['1MB', MB], ['64MB', 64 * MB], ['1024kB', MB], ['16777216', 16 * MB],
  ])('parses %s', (text, size) => {
    expect(parseSegmentSizeSetting(text)).toBe(size);
  });
  it.each(['', '16', '3MB', '2GB', '512kB', 'sixteen', '16 TB', '-16MB'])('rejects %j', (text) => {
    expect(() => parseSegmentSizeSetting(text)).toThrow(ValidationError);
  });
  it('knows valid sizes', () => {
    expect(isValidSegmentSize(16 * MB)).toBe(true);
    expect(isValidSegmentSize(2048 * MB)).toBe(false);
    expect(isValidSegmentSize(MB / 2)).toBe(false);
    expect(isValidSegmentSize(24 * MB)).toBe(false);
  });
});
