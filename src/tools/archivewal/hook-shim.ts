import * as acknowledged from './acknowledged.js';
import { type ArchiveQuickPaths, quickArchiveRoute } from './quick-route.js';

// This module runs only bundled, as dist/quick/archivewal-hook.cjs (scripts/bundle-quick-
// paths.mjs), from bin/archivewal: CommonJS, so the usual answer never starts Node's ES
// module loader. --async's answer for an acknowledged file (one stat) is bundled in; the
// plain push is a sibling bundle, required only when the route reaches it; the full tool is
// dist/'s.
const bundled: ArchiveQuickPaths = {
  acknowledged: () => acknowledged,
  plainPush: () => require('./archivewal.cjs'),
};

/** bin/archivewal's body: the quick route, else the whole tool with the route's outcome in hand. */
export const runArchiveHook = async (argv: readonly string[]): Promise<void> => {
  const outcome = await quickArchiveRoute(argv, process.cwd(), process.env, bundled);
  if (outcome === 'done') return;
  const { runMain } = await import('../entry.js');
  await runMain(async () => {
    const { continueAfterPlainPush } = await import('./cli.js');
    return (args, io) => continueAfterPlainPush(outcome, args, io);
  }, argv);
};
