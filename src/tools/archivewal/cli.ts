import type { ToolIO } from '../../core/cli/io.js';
import type { ToolMain } from '../registry.js';
import * as acknowledged from './acknowledged.js';
import * as plainPush from './plain-push.js';
import type { PlainPushOutcome } from './plain-push.js';
import { quickArchiveRoute } from './quick-route.js';

/**
 * The server runs archive_command once per segment, so the usual form `archivewal %p DIR`
 * runs the job straight away (quick-route.ts); commander, colours and the codecs load only
 * for options, for something to say, or for an error to explain (cli-full.ts).
 */
export const main: ToolMain = async (argv, io) => {
  const outcome = await quickArchiveRoute(argv, io.cwd, io.env, { acknowledged: () => acknowledged, plainPush: () => plainPush });
  return outcome === 'done' ? 0 : continueAfterPlainPush(outcome, argv, io);
};

/** What follows the quick route here: the full CLI, loaded only now. */
export const continueAfterPlainPush = async (
  outcome: PlainPushOutcome | undefined,
  argv: readonly string[],
  io: ToolIO,
): Promise<number> => continueWith(await import('./cli-full.js'), outcome, argv, io);

/**
 * What follows the quick route, here or in bin/archivewal's (which passes its outcome on, so
 * the job never runs twice): a report for an identical file or an error, commander for any
 * other argument list.
 */
export const continueWith = (
  full: typeof import('./cli-full.js'),
  outcome: PlainPushOutcome | undefined,
  argv: readonly string[],
  io: ToolIO,
): Promise<number> => (outcome === undefined ? full.mainWithOptions(argv, io) : full.reportOutcome(io, outcome));
