import type { ToolIO } from '../../core/cli/io.js';
import type { ToolMain } from '../registry.js';
import { type PlainPushOutcome, pushPlainForm, wasPublished } from './plain-push.js';

/**
 * The server runs archive_command once per segment, so the usual form `archivewal %p DIR`
 * runs the job straight away (plain-push.ts); commander, colours and the codecs load only
 * for options, for something to say, or for an error to explain (cli-full.ts).
 */
export const main: ToolMain = async (argv, io) => continueAfterPlainPush(await pushPlainForm(argv, io.cwd, io.env), argv, io);

/**
 * What follows the plain form, here or after bin/archivewal's quick path (which passes its
 * outcome on, so the job never runs twice): nothing for a new file, a report for an
 * identical one or an error, commander for any other argument list.
 */
export const continueAfterPlainPush = async (
  outcome: PlainPushOutcome | undefined,
  argv: readonly string[],
  io: ToolIO,
): Promise<number> => {
  if (wasPublished(outcome)) return 0;
  const full = await import('./cli-full.js');
  return outcome === undefined ? full.mainWithOptions(argv, io) : full.reportOutcome(io, outcome);
};
