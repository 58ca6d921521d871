import { parseSegmentFileName, segmentStartLsn } from '../../../../src/core/wal/segment-name.js';

export const MB = 1024 * 1024;
export const SYSID = '7300000000000000001';

export interface SegmentFixture {
  readonly name: string;
  readonly systemIdentifier?: string;
  readonly segmentSize?: number;
  /** XLOG_PAGE_MAGIC; default PostgreSQL 15's. */
  readonly magic?: number;
  /** Fills the rest of the segment (distinguishes two segments of one name). */
  readonly fill?: number;
  /** Override the header's timeline / page address (to make a mismatching segment). */
  readonly timeline?: number;
  readonly pageAddress?: bigint;
}

/**
 * A WAL segment with a valid long page header for its name and a recognisable body. Real
 * segments come from real servers in the integration tests; these exercise the checks.
 */
export const makeSegment = (fixture: SegmentFixture): Buffer => {
  const segSize = fixture.segmentSize ?? 16 * MB;
  const { timeline, segno } = parseSegmentFileName(fixture.name.slice(0, 24), segSize);
  const segment = Buffer.alloc(segSize, fixture.fill ?? 0);
  segment.fill(0, 0, 40);
  segment.writeUInt16LE(fixture.magic ?? 0xd110, 0);
  segment.writeUInt16LE(0x0002, 2);
  segment.writeUInt32LE(fixture.timeline ?? timeline, 4);
  segment.writeBigUInt64LE(fixture.pageAddress ?? segmentStartLsn(segno, segSize), 8);
  segment.writeBigUInt64LE(BigInt(fixture.systemIdentifier ?? SYSID), 24);
  segment.writeUInt32LE(segSize, 32);
  segment.writeUInt32LE(8192, 36);
  return segment;
};

/** A backup history file as pg_backup_stop writes it. */
export const backupHistoryText = (segment: string, offset: string, label = 'nightly'): string =>
  [
    `START WAL LOCATION: 0/${segment.slice(-2)}${offset.slice(-6)} (file ${segment})`,
    `STOP WAL LOCATION: 0/${segment.slice(-2)}FF0000 (file ${segment})`,
    'CHECKPOINT LOCATION: 0/0',
    'BACKUP METHOD: streamed',
    'BACKUP FROM: primary',
    'START TIME: 2026-11-21 14:00:00 UTC',
    `LABEL: ${label}`,
    'START TIMELINE: 1',
    'STOP TIME: 2026-11-21 14:01:00 UTC',
    'STOP TIMELINE: 1',
    '',
  ].join('\n');
