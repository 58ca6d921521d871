import { CommanderError } from 'commander';
import { isWarmstandbyError } from '../errors.js';
import type { ToolIO } from './io.js';
import { createOutput } from './output.js';

/** Commander codes that mean "help or version was shown": success, not an error. */
const displayCodes = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/** Hints are written with the tool's own name ("Try "basebackup --help""); print the invoked one. */
const asInvoked = (hint: string, tool: string, name: string): string =>
  name === tool ? hint : hint.split(`"${tool} `).join(`"${name} `);

/**
 * Runs a tool's CLI body and turns whatever it throws into one line on stderr and an exit
 * status. Errors never leak a password: messages are built from typed errors whose text the
 * core composes without secrets, and unknown errors print only their message.
 */
export const runCli = async (
  tool: string,
  io: ToolIO,
  usageExitStatus: number,
  body: () => Promise<number>,
): Promise<number> => {
  const out = createOutput(tool, io);
  try {
    return await body();
  } catch (error) {
    if (error instanceof CommanderError) {
      if (displayCodes.has(error.code)) return 0;
      // One line, so a wrapper script's log shows the whole complaint.
      // Commander puts its suggestion on a line of its own; keep it on ours, after the name.
      const text = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      out.error(`${text} (try "${out.tool} --help")`);
      return usageExitStatus;
    }
    if (isWarmstandbyError(error)) {
      out.error(error.message);
      if (error.hint !== undefined) out.hint(asInvoked(error.hint, tool, out.tool));
      return error.exitStatus;
    }
    const message = error instanceof Error ? error.message : String(error);
    out.error(message);
    return 1;
  }
};
