import { answeredHelp } from '../help-answer.js';
import { answeredVersion } from '../version-answer.js';
import * as acknowledged from './acknowledged.js';
import { type ArchiveQuickPaths, quickArchiveRoute } from './quick-route.js';

// This module runs only bundled, as dist/quick/archivewal-hook.cjs (scripts/bundle-quick-
// paths.mjs), from bin/archivewal: CommonJS, so the usual answer never starts Node's ES
// module loader. --async's answer for an acknowledged file (one stat) is bundled in; the
// plain push is a sibling bundle, required only when the route reaches it, and so is the whole
// tool, from V8's code cache.
const bundled: ArchiveQuickPaths = {
  acknowledged: () => acknowledged,
  plainPush: () => require('./archivewal.cjs'),
};

/** bin/archivewal's body: the quick route, else the whole tool with the route's outcome in hand. */
export const runArchiveHook = async (argv: readonly string[]): Promise<void> => {
  if (answeredVersion('archivewal', argv) || answeredHelp('archivewal', argv)) return;
  const outcome = await quickArchiveRoute(argv, process.cwd(), process.env, bundled);
  if (outcome === 'done') return;
  const loader = require('./cached-bundle.cjs') as typeof import('../cached-bundle.js');
  const full = loader.requireBundle('archivewal-full') as typeof import('./full-process.js');
  await full.runFullTool(outcome, argv);
};
