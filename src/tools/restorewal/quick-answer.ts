import { findArchivedVariants, isArchiveDirectory } from '../../core/wal/archive-variants.js';
import { classifyWalFileName } from '../../core/wal/wal-file-kind.js';
import { RestoreExit } from './exit-status.js';
import type * as QuickRestoreCompressed from './quick-restore-compressed.js';
import type * as QuickRestorePlain from './quick-restore-plain.js';

/** Where the segment restorers are found: linked in, or sibling bundles (quick-route.ts). */
export interface SegmentRestorers {
  plain(): typeof QuickRestorePlain;
  compressed(): typeof QuickRestoreCompressed;
}

/**
 * restore_command's most frequent answers from a directory archive, with nothing but the WAL
 * name rules and a few stat(2) calls loaded: "not in the archive" (a standby keeps asking for
 * the next segment, which does not exist yet), and a segment, restored by
 * quick-restore-plain.ts when it is stored plain and by quick-restore-compressed.ts when it
 * is compressed (`plain()`, `compressed()`: each loaded only then). Each must cost little
 * more than starting Node and the work. Resolves undefined whenever there is more to do
 * (options, a history file, something to explain to a terminal); the full tool then takes
 * over.
 *
 * It imports only node:fs and the WAL name modules: the build also bundles it into
 * dist/quick/restorewal-hook.cjs, which the bin/restorewal shim runs before it loads the
 * tool (scripts/bundle-quick-paths.mjs).
 */
export const answerFromDirectoryQuickly = async (
  argv: readonly string[],
  cwd: string,
  interactive: boolean,
  restorers: SegmentRestorers,
): Promise<number | undefined> => {
  if (argv.length !== 3 || argv.some((arg) => arg.startsWith('-'))) return undefined;
  const [name = '', target = '', archive = ''] = argv;
  const file = classifyWalFileName(name);
  // An s3:// archive has its own quick answer (quick-answer-object.ts).
  if (file === undefined || file.compression !== 'none' || interactive || /^s3:\/\//i.test(archive)) return undefined;
  try {
    const archiveDir = archive.startsWith('/') ? archive : `${cwd}/${archive}`;
    const [first] = findArchivedVariants(archiveDir, file);
    if (first !== undefined) {
      const restored = first.compression === 'none'
        ? restorers.plain().restorePlainQuickly(first, file, target, cwd)
        : await restorers.compressed().restoreCompressedQuickly(first, file, target, cwd);
      return restored ? RestoreExit.restored : undefined;
    }
    // A missing archive directory is for the full tool to explain on stderr.
    return isArchiveDirectory(archiveDir) ? RestoreExit.notInArchive : undefined;
  } catch {
    return undefined;
  }
};
