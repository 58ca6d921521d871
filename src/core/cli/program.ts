import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { programNameOf, type ToolIO } from './io.js';

/** Help lines stay within 95 columns so they read on any terminal and in man pages. */
export const HELP_WIDTH = 95;

/**
 * A commander program configured the warmstandby way: `-V, --version` and `-?, --help` as
 * the PostgreSQL tools spell them, output through the injected streams, and no
 * `process.exit` (commander throws; run-tool.ts maps the error to the tool's usage status).
 */
export const createProgram = (
  tool: string,
  description: string,
  io: ToolIO,
): Command => {
  const name = programNameOf(io, tool);
  const program = new Command(name)
    .description(description)
    .version(`${name} (warmstandby) ${VERSION}`, '-V, --version', 'output version information, then exit')
    .helpOption('-?, --help', 'show this help, then exit')
    .helpCommand(false)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // Commander's own error text is re-printed by run-tool.ts in the house format.
      writeErr: () => undefined,
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      outputError: () => undefined,
    })
    .configureHelp({ helpWidth: HELP_WIDTH, sortOptions: false });
  return program;
};

export { CommanderError };
