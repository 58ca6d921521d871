import { UsageError } from '../../core/errors.js';
import { classifyWalFileName, type WalFileName } from '../../core/wal/wal-file-kind.js';
import { RestoreExit } from './exit-status.js';

/**
 * `%f` as the server sends it: a segment, a `.partial` segment, a timeline history file (or
 * a backup history file, for manual use). Anything else, including a path, is refused
 * before it is joined to the archive directory.
 */
export function parseRequestedFile(name: string): WalFileName {
  const file = classifyWalFileName(name);
  if (file === undefined || file.compression !== 'none') {
    throw new UsageError(`Cannot restore "${name}": not a WAL segment, .partial, .history or .backup file name`, {
      exitStatus: RestoreExit.usage,
    });
  }
  return file;
}
