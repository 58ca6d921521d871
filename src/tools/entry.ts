import { basename } from 'node:path';
import { processIO } from '../core/cli/io.js';
import { VERSION } from '../core/version.js';
import { toolLoaders, toolNames } from './registry.js';

/**
 * The process entry point: the only code that installs signal handlers and ends the process.
 * SIGINT/SIGTERM abort the job's signal so it can stop cleanly (pg_receivewal exits 0 then);
 * a second signal ends the process at once.
 */
export const runTool = async (tool: string, argv: readonly string[]): Promise<never> => {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const load = toolLoaders[tool];
  let status: number;
  if (load === undefined) {
    process.stderr.write(`warmstandby: error: unknown tool "${tool}"\n`);
    status = 2;
  } else {
    const { main } = await load();
    status = await main(argv, processIO(controller.signal));
  }
  return exitAfterFlush(status);
};

/** `warmstandby <tool> ...`, or busybox-style through a link named after the tool. */
export const runDispatcher = async (argv0: string, argv: readonly string[]): Promise<never> => {
  const invokedAs = basename(argv0).replace(/\.(c?js|mjs)$/, '');
  if (invokedAs in toolLoaders) return runTool(invokedAs, argv);
  const [first, ...rest] = argv;
  if (first !== undefined && first in toolLoaders) return runTool(first, rest);
  if (first === '-V' || first === '--version') {
    process.stdout.write(`warmstandby ${VERSION}\n`);
    return exitAfterFlush(0);
  }
  const usage = [
    'warmstandby keeps PostgreSQL and Docker services alive through failures.',
    '',
    'Usage:',
    '  warmstandby TOOL [OPTION]...   (or call it through a link named TOOL)',
    '',
    'Tools:',
    ...toolNames().map((name) => `  ${name}`),
    '',
    'Run "warmstandby TOOL --help" for the options of a tool.',
  ].join('\n');
  const asked = first === '-?' || first === '--help' || first === '-h';
  (asked ? process.stdout : process.stderr).write(`${usage}\n`);
  if (!asked && first !== undefined) {
    process.stderr.write(`warmstandby: error: unknown tool "${first}"\n`);
  }
  return exitAfterFlush(asked ? 0 : 2);
};

const exitAfterFlush = async (status: number): Promise<never> => {
  // Wait for piped stdout/stderr to drain: process.exit would drop buffered output.
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
    ),
  );
  process.exit(status);
};
