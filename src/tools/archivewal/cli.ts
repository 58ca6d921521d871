import type { ToolMain } from '../registry.js';
import { runArchiveWal } from './run.js';

/**
 * The server runs archive_command once per segment, so the usual form `archivewal %p DIR`
 * runs the job straight away; commander, colours and the codecs load only for options,
 * for something to say, or for an error to explain (cli-full.ts).
 */
export const main: ToolMain = async (argv, io) => {
  if (argv.length !== 2 || argv.some((arg) => arg.startsWith('-'))) {
    const { mainWithOptions } = await import('./cli-full.js');
    return mainWithOptions(argv, io);
  }
  const [source = '', archive = ''] = argv;
  let outcome;
  try {
    const result = await runArchiveWal({ source, archive, cwd: io.cwd, compression: { method: 'none', level: 0 }, sync: true });
    if (result.outcome === 'archived') return 0;
    outcome = { result };
  } catch (error) {
    outcome = { error };
  }
  const { reportOutcome } = await import('./cli-full.js');
  return reportOutcome(io, outcome);
};
