import type { ToolMain } from '../registry.js';
import { pushPlainForm } from './plain-push.js';

/**
 * The server runs archive_command once per segment, so the usual form `archivewal %p DIR`
 * runs the job straight away (plain-push.ts); commander, colours and the codecs load only
 * for options, for something to say, or for an error to explain (cli-full.ts).
 */
export const main: ToolMain = async (argv, io) => {
  const outcome = await pushPlainForm(argv, io.cwd);
  if (outcome !== undefined && 'result' in outcome && outcome.result.outcome === 'archived') return 0;
  const full = await import('./cli-full.js');
  return outcome === undefined ? full.mainWithOptions(argv, io) : full.reportOutcome(io, outcome);
};
