import { parseSegmentFileName, segmentFileName } from '../../core/wal/segment-name.js';
import type { ArchiveReport } from './report-model.js';

// A whole segment, plain or compressed as archivewal and pg_receivewal store it.
const SEGMENT = /^([0-9A-F]{24})(?:\.gz|\.lz4|\.zst)?$/;
// A backup history file: the segment and offset where the backup started.
const BACKUP = /^([0-9A-F]{24})\.([0-9A-F]{8})\.backup$/;
/** At most this many missing names are listed; the count is always whole. */
const LISTED_MISSING = 5;

/**
 * What an archive listing says about recoverability: the newest segment, the newest base
 * backup's history file, and the segments missing between that backup's start and the newest
 * segment (a segment counts on any timeline: after a promotion the same position continues
 * under the new timeline's name).
 */
export const inspectArchiveListing = (location: string, names: readonly string[], segSize: number): ArchiveReport => {
  const positions = new Set<bigint>();
  let newest: { name: string; segno: bigint; timeline: number } | null = null;
  let newestBackup: { name: string; segno: bigint } | null = null;
  for (const name of names) {
    const segment = SEGMENT.exec(name)?.[1];
    if (segment !== undefined) {
      const { segno, timeline } = parseSegmentFileName(segment, segSize);
      positions.add(segno);
      if (newest === null || segno > newest.segno || (segno === newest.segno && timeline > newest.timeline)) {
        newest = { name: segment, segno, timeline };
      }
      continue;
    }
    const backup = BACKUP.exec(name);
    if (backup?.[1] !== undefined) {
      const { segno } = parseSegmentFileName(backup[1], segSize);
      if (newestBackup === null || segno > newestBackup.segno || (segno === newestBackup.segno && name > newestBackup.name)) {
        newestBackup = { name, segno };
      }
    }
  }
  let missing: number | null = null;
  const firstMissing: string[] = [];
  if (newestBackup !== null && newest !== null) {
    const from = newestBackup.segno;
    const to = newest.segno;
    const present = [...positions].filter((segno) => segno >= from && segno <= to).length;
    missing = Number(to - from + 1n) - present;
    // Stops after the first few missing: at most (present + LISTED_MISSING) steps, however far
    // apart the names are.
    for (let segno = from; segno <= to && firstMissing.length < Math.min(missing, LISTED_MISSING); segno += 1n) {
      if (!positions.has(segno)) firstMissing.push(segmentFileName(newest.timeline, segno, segSize));
    }
  }
  return {
    location,
    newestSegment: newest?.name ?? null,
    newestBackup: newestBackup?.name ?? null,
    missingSegments: missing,
    firstMissing,
    segmentCount: positions.size,
    error: null,
  };
};
