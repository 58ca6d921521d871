import type { Output } from '../../core/cli/output.js';
import { formatBytes } from '../../core/cli/progress.js';
import type { RestoreWalResult } from './run.js';

/** What a restore tells its user: the file and its size, with -v or on a terminal; --json. */
export const report = (out: Output, result: RestoreWalResult, json: boolean, verbose: boolean): void => {
  if (json) out.json({ ...result, restored: true });
  if (verbose) {
    const from = result.restoredFrom === result.file ? '' : ` from "${result.restoredFrom}"`;
    out.log(`restored "${result.file}"${from} (${formatBytes(result.bytes)})`);
  }
};
