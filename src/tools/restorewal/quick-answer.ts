import { findArchivedVariants, isArchiveDirectory } from '../../core/wal/archive-variants.js';
import { classifyWalFileName } from '../../core/wal/wal-file-kind.js';
import { RestoreExit } from './exit-status.js';
import type * as QuickRestorePlain from './quick-restore-plain.js';

/**
 * restore_command's two most frequent answers from a directory archive, with nothing but the
 * WAL name rules and a few stat(2) calls loaded: "not in the archive" (a standby keeps asking
 * for the next segment, which does not exist yet) and a segment stored plain, restored by
 * quick-restore-plain.ts (`plain()`, loaded only then). Each must cost little more than
 * starting Node. Returns undefined whenever there is more to do (options, a compressed file,
 * something to explain to a terminal); the full tool then takes over.
 *
 * It imports only node:fs and the WAL name modules: the build also bundles it into
 * dist/quick/restorewal-hook.cjs, which the bin/restorewal shim runs before it loads the
 * tool (scripts/bundle-quick-paths.mjs).
 */
export const answerFromDirectoryQuickly = (
  argv: readonly string[],
  cwd: string,
  interactive: boolean,
  plain: () => typeof QuickRestorePlain,
): number | undefined => {
  if (argv.length !== 3 || argv.some((arg) => arg.startsWith('-'))) return undefined;
  const [name = '', target = '', archive = ''] = argv;
  const file = classifyWalFileName(name);
  // An s3:// archive has its own quick answer (quick-answer-object.ts).
  if (file === undefined || file.compression !== 'none' || interactive || /^s3:\/\//i.test(archive)) return undefined;
  try {
    const archiveDir = archive.startsWith('/') ? archive : `${cwd}/${archive}`;
    const [first] = findArchivedVariants(archiveDir, file);
    if (first !== undefined) {
      return first.compression === 'none' && plain().restorePlainQuickly(first, file, target, cwd) ? RestoreExit.restored : undefined;
    }
    // A missing archive directory is for the full tool to explain on stderr.
    return isArchiveDirectory(archiveDir) ? RestoreExit.notInArchive : undefined;
  } catch {
    return undefined;
  }
};
