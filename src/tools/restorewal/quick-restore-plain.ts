import { constants, copyFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fsyncDirectorySync } from '../../core/fs/sync.js';
import { tempPathFor } from '../../core/fs/temp-name.js';
import { readControlSystemId } from '../../core/pg/server-files/control-system-id.js';
import type { ArchivedVariant } from '../../core/wal/archive-variants.js';
import { headerPredatesNameTimeline, validateSegmentHeader } from '../../core/wal/page-header.js';
import type { WalFileName } from '../../core/wal/wal-file-kind.js';
import { headOfCopy, lengthFitsSegment, syncsRestoredFile } from './restored-copy.js';

/**
 * restore_command's most frequent work, a plain segment from a directory archive, done as
 * the tool does it (fetch-verified.ts: a kernel copy to an exclusive temporary name, the
 * copy's first page checked against the name and pg_control's system, renamed to %p) with
 * synchronous calls and a few small modules: loading the whole tool costs more than the copy.
 *
 * Returns false, having removed its temporary file, whenever the case is not that plain one
 * or anything fails: a first page from an older timeline (whose history the tool reads), no
 * readable pg_control, a check that refuses, an error. The tool then does it all again and
 * explains; %p is replaced only by a checked copy.
 *
 * The build bundles it on its own into dist/quick/restorewal-plain.cjs, required by the bin
 * shim's route only when the archive holds the segment plain (scripts/bundle-quick-paths.mjs).
 */
export const restorePlainQuickly = (variant: ArchivedVariant, file: WalFileName, targetArg: string, cwd: string): boolean => {
  if (file.kind !== 'segment' || variant.compression !== 'none') return false;
  const systemIdentifier = readControlSystemId(cwd);
  if (systemIdentifier === undefined) return false;
  const target = resolve(cwd, targetArg);
  const sync = syncsRestoredFile(target, true);
  const tmp = tempPathFor(target);
  try {
    copyFileSync(variant.path, tmp, constants.COPYFILE_EXCL);
    const { head, size } = headOfCopy(tmp, sync);
    if (headerPredatesNameTimeline(head, file.name)) throw new Error('the timeline history is needed');
    const { header } = validateSegmentHeader(head, { name: file.name, systemIdentifier });
    if (!lengthFitsSegment(file, size, header.segmentSize)) throw new Error('not a whole segment');
    renameSync(tmp, target);
  } catch {
    removeQuietly(tmp);
    return false;
  }
  if (!sync) return true;
  try {
    fsyncDirectorySync(dirname(target));
    return true;
  } catch {
    // The checked copy is in place; the tool syncs again, or says why it cannot.
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
