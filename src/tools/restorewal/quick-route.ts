import { isObjectStoreUrl } from '../../core/archive/object-store-url.js';
import type * as QuickAnswer from './quick-answer.js';
import type * as QuickAnswerObject from './quick-answer-object.js';
import type * as ServedFromSpool from './served-from-spool.js';

/**
 * Where the quick answers are found: modules linked into the tool (cli.ts), or the small
 * sibling bundles the bin shim requires only when it reaches them (hook-shim.ts).
 */
export interface RestoreQuickPaths extends QuickAnswer.SegmentRestorers {
  spool(): typeof ServedFromSpool;
  directory(): typeof QuickAnswer;
  objectStore(): typeof QuickAnswerObject;
}

/**
 * restore_command's answers that need no options parser, in order: a segment the prefetcher
 * already holds (--prefetch), then "not in the archive" from a directory or a bucket, or a
 * segment a directory holds (plain or compressed). The exit status, or undefined when the
 * full tool must take over. One route for the bin shim and for the tool run any other way
 * (the single executable, `warmstandby restorewal`).
 */
export const quickRestoreAnswer = async (
  argv: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  interactive: boolean,
  paths: RestoreQuickPaths,
): Promise<number | undefined> => {
  if (argv.some((arg) => arg === '--prefetch' || arg.startsWith('--prefetch='))) {
    const served = paths.spool().servedFromSpool(argv, cwd);
    if (served !== undefined) return served;
  }
  return isObjectStoreUrl(argv[2] ?? '')
    ? paths.objectStore().answerMissingFromObjectStore(argv, cwd, interactive, env)
    : paths.directory().answerFromDirectoryQuickly(argv, cwd, interactive, paths);
};
