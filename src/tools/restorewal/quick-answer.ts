import { findArchivedVariants, isArchiveDirectory } from '../../core/wal/archive-variants.js';
import { classifyWalFileName } from '../../core/wal/wal-file-kind.js';
import { RestoreExit } from './exit-status.js';

/**
 * "Not in the archive", answered with nothing but the WAL name rules and a few stat(2)
 * calls. A standby runs restore_command for every segment it wants and keeps asking for the
 * next one that does not exist yet, so this answer must cost little more than starting Node.
 * Returns undefined whenever there is more to do (options, a file to restore, something to
 * explain to a terminal); the full tool then takes over.
 *
 * It imports only node:fs and the WAL name modules: the build also bundles it on its own
 * into dist/quick/restorewal-hook.cjs, which the bin/restorewal shim runs before it loads the
 * tool (scripts/bundle-quick-paths.mjs).
 */
export const answerMissingQuickly = (argv: readonly string[], cwd: string, interactive: boolean): number | undefined => {
  if (argv.length !== 3 || argv.some((arg) => arg.startsWith('-'))) return undefined;
  const [name = '', , archive = ''] = argv;
  const file = classifyWalFileName(name);
  // An s3:// archive has its own quick answer (quick-answer-object.ts).
  if (file === undefined || file.compression !== 'none' || interactive || /^s3:\/\//i.test(archive)) return undefined;
  try {
    const archiveDir = archive.startsWith('/') ? archive : `${cwd}/${archive}`;
    // A missing archive directory is for the full tool to explain on stderr.
    const missing = findArchivedVariants(archiveDir, file).length === 0 && isArchiveDirectory(archiveDir);
    return missing ? RestoreExit.notInArchive : undefined;
  } catch {
    return undefined;
  }
};
