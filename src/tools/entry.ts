import type { Writable } from 'node:stream';
import { processIO } from '../core/cli/io.js';
import { VERSION } from '../core/version.js';
import { type ToolMain, toolLoaders, toolNames } from './registry.js';
import { invokedName, versionLine } from './version-answer.js';

/**
 * The C tools each warmstandby tool can stand in for: a link by that name reaches the tool
 * (single executable), and the tool then prints that name, as the C tool prints its argv[0].
 */
const dropInNames: Readonly<Record<string, string>> = {
  pg_basebackup: 'basebackup',
  pg_receivewal: 'receivewal',
  pg_archivecleanup: 'archivecleanup',
};


/**
 * Runs a tool by name: see runMain. `--version` alone is answered here, before the tool's
 * module graph loads (scripts and monitoring ask it often; it costs a bare Node start).
 */
export const runTool = (tool: string, argv: readonly string[], programName?: string): Promise<never> => {
  const version = tool in toolLoaders ? versionLine(tool, argv, programName) : undefined;
  if (version !== undefined) {
    process.stdout.write(version);
    return exitAfterFlush(0, [process.stdout]);
  }
  return runToolMain(tool, argv, programName);
};

const runToolMain = (tool: string, argv: readonly string[], programName?: string): Promise<never> =>
  runMain(async () => {
    const load = toolLoaders[tool];
    return load === undefined ? unknownTool(tool) : (await load()).main;
  }, argv, programName);

const unknownTool = (tool: string): ToolMain => async (_argv, io) => {
  io.stderr.write(`warmstandby: error: unknown tool "${tool}"\n`);
  return 2;
};

/**
 * The process entry point: the only code that installs signal handlers and ends the process.
 * SIGINT/SIGTERM abort the job's signal so it can stop cleanly (pg_receivewal exits 0 then);
 * a second signal ends the process at once. A bin/ shim that has begun a tool's work in its
 * quick path hands the rest to this with the tool's continuation as the main. The program
 * name is the bin/ script's name as invoked (a link named pg_basebackup keeps that name).
 */
export const runMain = async (
  loadMain: () => Promise<ToolMain>,
  argv: readonly string[],
  programName: string | undefined = invokedName(process.argv[1]),
): Promise<never> => {
  const controller = new AbortController();
  const touched = new Set<Writable>();
  const onUse = (stream: Writable): void => {
    if (touched.has(stream)) return;
    touched.add(stream);
    // A reader that went away (`tool | head`) ends the process quietly, as SIGPIPE ends a
    // C tool, instead of an unhandled EPIPE with a stack trace.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(141);
      throw error;
    });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const main = await loadMain();
  const status = await main(argv, processIO(controller.signal, onUse, programName));
  return exitAfterFlush(status, touched);
};

/** `warmstandby <tool> ...`, or busybox-style through a link named after the tool. */
export const runDispatcher = async (argv0: string, argv: readonly string[]): Promise<never> => {
  const invokedAs = invokedName(argv0) ?? 'warmstandby';
  const linkedTool = invokedAs in toolLoaders ? invokedAs : dropInNames[invokedAs];
  if (linkedTool !== undefined) return runTool(linkedTool, argv, invokedAs);
  const [first, ...rest] = argv;
  if (first !== undefined && first in toolLoaders) return runTool(first, rest, first);
  if (first === '-V' || first === '--version') {
    process.stdout.write(`warmstandby ${VERSION}\n`);
    return exitAfterFlush(0, [process.stdout]);
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
  return exitAfterFlush(asked ? 0 : 2, [process.stdout, process.stderr]);
};

const exitAfterFlush = async (status: number, streams: Iterable<Writable>): Promise<never> => {
  // Wait for piped output to drain: process.exit would drop what is still buffered.
  await Promise.all(
    [...streams].map(
      (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
    ),
  );
  process.exit(status);
};
