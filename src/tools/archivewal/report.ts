import type { Output } from '../../core/cli/output.js';
import { formatBytes } from '../../core/cli/progress.js';
import type { ArchiveWalResult } from './run.js';

/** What a push tells its user: nothing unless asked (-v, --json), except an identical re-push. */
export const report = (out: Output, result: ArchiveWalResult, verbose: boolean, json: boolean): void => {
  if (json) out.json(result);
  if (result.outcome === 'already-archived') {
    out.log(`"${result.file}" is already archived as "${result.storedAs}" with identical content`);
  } else if (verbose) {
    const stored = result.storedAs === result.file ? '' : ` as "${result.storedAs}" (${formatBytes(result.storedBytes)})`;
    out.log(`archived "${result.file}" (${formatBytes(result.bytes)})${stored}`);
  }
};
