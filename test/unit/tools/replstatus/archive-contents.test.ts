import { describe, expect, it } from 'vitest';
import { inspectArchiveListing } from '../../../../src/tools/replstatus/archive-contents.js';

const SEG = 16 * 1024 * 1024;
const names = (...list: string[]): string[] => list;

describe('inspectArchiveListing', () => {
  it('newest segment, newest backup, and no gap when every segment since it is there', () => {
    const report = inspectArchiveListing('/a', names(
      '000000010000000000000001', '000000010000000000000002.000000D8.backup', '000000010000000000000002',
      '000000010000000000000003.gz', '000000010000000000000004.zst', '00000002.history',
    ), SEG);
    expect(report).toMatchObject({
      newestSegment: '000000010000000000000004', newestBackup: '000000010000000000000002.000000D8.backup',
      missingSegments: 0, firstMissing: [], segmentCount: 4, error: null,
    });
  });

  it('counts a position present on any timeline: the new timeline continues the old one', () => {
    const report = inspectArchiveListing('/a', names(
      '000000010000000000000002.00000028.backup', '000000010000000000000002', '000000010000000000000003.partial',
      '000000020000000000000003', '000000020000000000000004',
    ), SEG);
    expect(report).toMatchObject({ newestSegment: '000000020000000000000004', missingSegments: 0 });
  });

  it('names the first missing segments and counts them all, however far apart the names are', () => {
    const report = inspectArchiveListing('/a', names(
      '000000010000000000000002.00000028.backup', '000000010000000000000002', '000000010000000000000005',
      '0000000100000FFF000000FF',
    ), SEG);
    expect(report.newestSegment).toBe('0000000100000FFF000000FF');
    expect(report.firstMissing).toEqual([
      '000000010000000000000003', '000000010000000000000004', '000000010000000000000006',
      '000000010000000000000007', '000000010000000000000008',
    ]);
    expect(report.missingSegments).toBe(0xfff * 256 + 0xff - 2 + 1 - 3);
  });

  it('without a backup there is nothing to check a gap from', () => {
    const report = inspectArchiveListing('/a', names('000000010000000000000002', 'junk', '000000010000000000000002.tmp'), SEG);
    expect(report).toMatchObject({ newestSegment: '000000010000000000000002', newestBackup: null, missingSegments: null });
  });
});
