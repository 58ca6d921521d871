import { fstatSync } from 'node:fs';
import { answeredHelp } from '../help-answer.js';
import { answeredVersion } from '../version-answer.js';
import * as quickAnswer from './quick-answer.js';
import { quickRestoreAnswer, type RestoreQuickPaths } from './quick-route.js';

// This module runs only bundled, as dist/quick/restorewal-hook.cjs (scripts/bundle-quick-
// paths.mjs), from bin/restorewal: CommonJS, so the quickest answers never start Node's ES
// module loader. The most frequent one, "not in the archive" from a directory, is bundled in;
// the others are sibling bundles, required only when the route reaches them (the S3 client
// loads for s3:// archives only), and so is the whole tool, from V8's code cache.
const bundled: RestoreQuickPaths = {
  spool: () => require('./restorewal-spool.cjs'),
  directory: () => quickAnswer,
  objectStore: () => require('./restorewal-object.cjs'),
  plain: () => require('./restorewal-plain.cjs'),
  compressed: () => require('./restorewal-compressed.cjs'),
};

/**
 * Whether stderr may be a terminal, without loading node:tty (which loads node:net and the
 * streams: ~7 ms, a tenth of a hook's run, for an answer that writes nothing). Every
 * terminal is a character device, and none has Linux's major number 1, the memory devices
 * (/dev/null, /dev/zero) a server may leave a hook's stderr on. Anything else that is a
 * character device takes the whole tool's path: slower, never wrong.
 */
const stderrMayBeTerminal = (): boolean => {
  try {
    const stat = fstatSync(2);
    return stat.isCharacterDevice() && ((stat.rdev >> 8) & 0xfff) !== MEMORY_DEVICES_MAJOR;
  } catch {
    // No stderr at all: nobody is watching.
    return false;
  }
};

const MEMORY_DEVICES_MAJOR = 1;

/** bin/restorewal's body: a quick answer, else the whole tool. */
export const runRestoreHook = async (argv: readonly string[]): Promise<void> => {
  if (answeredVersion('restorewal', argv) || answeredHelp('restorewal', argv)) return;
  const quick = await quickRestoreAnswer(argv, process.cwd(), process.env, stderrMayBeTerminal(), bundled);
  if (quick !== undefined) {
    process.exitCode = quick;
    return;
  }
  const loader = require('./cached-bundle.cjs') as typeof import('../cached-bundle.js');
  const full = loader.requireBundle('restorewal-full') as typeof import('./full-process.js');
  await full.runFullTool(argv);
};
