import { runMain } from '../entry.js';
import { continueWith } from './cli.js';
import * as full from './cli-full.js';
import type { PlainPushOutcome } from './plain-push.js';

/**
 * The whole tool, after bin/archivewal's quick route, with the route's outcome in hand (so
 * the push never runs twice): bundled into dist/quick/archivewal-full.cjs, which the route
 * loads from V8's code cache.
 */
export const runFullTool = (outcome: PlainPushOutcome | undefined, argv: readonly string[]): Promise<never> =>
  runMain(async () => (args, io) => continueWith(full, outcome, args, io), argv);
