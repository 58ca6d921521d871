import type { ToolIO } from '../../core/cli/io.js';
import { findArchivedVariants } from '../../core/wal/archive-variants.js';
import { classifyWalFileName } from '../../core/wal/wal-file-kind.js';
import type { ToolMain } from '../registry.js';
import { RestoreExit } from './exit-status.js';

const TOOL = 'restorewal';

/**
 * A standby runs restore_command for every segment it wants, and keeps asking for the next
 * one that does not exist yet. That answer must cost little more than starting Node: the
 * plain `restorewal %f %p ARCHIVE` form is looked up here with nothing but the WAL name
 * rules and a few stat(2) calls; commander, colours and codecs load only when there is
 * something to restore or to explain.
 */
export const main: ToolMain = async (argv, io) => {
  const quickAnswer = answerMissingQuickly(argv, io);
  if (quickAnswer !== undefined) return quickAnswer;
  const { mainWithOptions } = await import('./cli-full.js');
  return mainWithOptions(argv, io);
};

const answerMissingQuickly = (argv: readonly string[], io: ToolIO): number | undefined => {
  if (argv.length !== 3 || argv.some((arg) => arg.startsWith('-'))) return undefined;
  const [name = '', , archive = ''] = argv;
  const file = classifyWalFileName(name);
  if (file === undefined || file.compression !== 'none' || io.stderr.isTTY === true) return undefined;
  try {
    const archiveDir = archive.startsWith('/') ? archive : `${io.cwd}/${archive}`;
    return findArchivedVariants(archiveDir, file).length === 0 ? RestoreExit.notInArchive : undefined;
  } catch {
    return undefined;
  }
};
