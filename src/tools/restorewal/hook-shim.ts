import { isatty } from 'node:tty';
import * as quickAnswer from './quick-answer.js';
import { quickRestoreAnswer, type RestoreQuickPaths } from './quick-route.js';

// This module runs only bundled, as dist/quick/restorewal-hook.cjs (scripts/bundle-quick-
// paths.mjs), from bin/restorewal: CommonJS, so the quickest answers never start Node's ES
// module loader. The most frequent one, "not in the archive" from a directory, is bundled in;
// the others are sibling bundles, required only when the route reaches them (the S3 client
// loads for s3:// archives only); the full tool is dist/'s.
const bundled: RestoreQuickPaths = {
  spool: () => require('./restorewal-spool.cjs'),
  directory: () => quickAnswer,
  objectStore: () => require('./restorewal-object.cjs'),
};

/** bin/restorewal's body: a quick answer, else the whole tool. */
export const runRestoreHook = async (argv: readonly string[]): Promise<void> => {
  const quick = await quickRestoreAnswer(argv, process.cwd(), process.env, isatty(2), bundled);
  if (quick !== undefined) {
    process.exitCode = quick;
    return;
  }
  // Straight to the options parser: the quick answers have been tried already.
  const { runMain } = await import('../entry.js');
  await runMain(() => import('./cli-full.js').then(({ mainWithOptions }) => mainWithOptions), argv);
};
