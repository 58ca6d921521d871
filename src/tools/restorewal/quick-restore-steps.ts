import { renameSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fsyncDirectorySync } from '../../core/fs/sync.js';
import { tempPathFor } from '../../core/fs/temp-name.js';
import { readControlSystemId } from '../../core/pg/server-files/control-system-id.js';
import { headerPredatesNameTimeline, validateSegmentHeader } from '../../core/wal/page-header.js';
import type { WalFileName } from '../../core/wal/wal-file-kind.js';
import { lengthFitsSegment, syncsRestoredFile } from './restored-copy.js';

/**
 * The steps the quick restores share (quick-restore-plain.ts, quick-restore-compressed.ts):
 * where the file goes, the checks the tool makes of a segment (fetch-verified.ts), and the
 * rename to %p. Each step throws or returns false where the tool has more to do or to say;
 * %p is replaced only by a checked file.
 */
export interface QuickPlace {
  readonly file: WalFileName;
  /** %p, resolved in the data directory. */
  readonly target: string;
  /** An exclusive temporary name beside it. */
  readonly tmp: string;
  readonly sync: boolean;
  /** pg_control's: the system the WAL must belong to. */
  readonly systemIdentifier: string;
}

/** Where a segment is restored to, or undefined: not a whole segment, or no readable pg_control. */
export const quickPlaceFor = (file: WalFileName, targetArg: string, cwd: string): QuickPlace | undefined => {
  if (file.kind !== 'segment') return undefined;
  const systemIdentifier = readControlSystemId(cwd);
  if (systemIdentifier === undefined) return undefined;
  const target = resolve(cwd, targetArg);
  return { file, target, tmp: tempPathFor(target), sync: syncsRestoredFile(target, true), systemIdentifier };
};

/**
 * Throws unless `head` (the first page) and `size` are those of this segment of this system.
 * A first page from an older timeline is the tool's: its check reads the history files.
 */
export const checkSegmentHead = (place: QuickPlace, head: Buffer, size: number): void => {
  if (headerPredatesNameTimeline(head, place.file.name)) throw new Error('the timeline history is needed');
  const { header } = validateSegmentHeader(head, { name: place.file.name, systemIdentifier: place.systemIdentifier });
  if (!lengthFitsSegment(place.file, size, header.segmentSize)) throw new Error('not a whole segment');
};

/**
 * Makes the checked file at the temporary name (`make` throws when it cannot, or when a check
 * refuses), renames it to %p and syncs the directory when the target is synced. False, with
 * the temporary file removed, on any failure before the rename; false after it too when the
 * directory's sync fails (the checked file is in place; the tool syncs again or says why not).
 */
export const placeChecked = (place: QuickPlace, make: (tmp: string) => void): boolean => {
  try {
    make(place.tmp);
    renameSync(place.tmp, place.target);
  } catch {
    removeQuietly(place.tmp);
    return false;
  }
  if (!place.sync) return true;
  try {
    fsyncDirectorySync(dirname(place.target));
    return true;
  } catch {
    return false;
  }
};

const removeQuietly = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // Never created, or already gone.
  }
};
