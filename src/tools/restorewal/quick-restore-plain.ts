import { constants, copyFileSync } from 'node:fs';
import type { ArchivedVariant } from '../../core/wal/archive-variants.js';
import type { WalFileName } from '../../core/wal/wal-file-kind.js';
import { checkSegmentHead, placeChecked, quickPlaceFor } from './quick-restore-steps.js';
import { headOfCopy } from './restored-copy.js';

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
  const place = variant.compression === 'none' ? quickPlaceFor(file, targetArg, cwd) : undefined;
  if (place === undefined) return false;
  return placeChecked(place, (tmp) => {
    copyFileSync(variant.path, tmp, constants.COPYFILE_EXCL);
    // The copy is what is checked: what the server gets.
    const { head, size } = headOfCopy(tmp, place.sync);
    checkSegmentHead(place, head, size);
  });
};
