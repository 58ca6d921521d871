import { type Command, Option } from 'commander';
import type { ToolIO } from '../../core/cli/io.js';
import { createOutput } from '../../core/cli/output.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import { isWarmstandbyError, UsageError } from '../../core/errors.js';
import type { ToolMain } from '../registry.js';
import type { LiveRestoreOptions } from './options.js';
import { printChange, printCheck, printReload, printStatus } from './report.js';
import { checkExitStatus, runLiveRestore, type LiveRestoreCommand } from './run.js';

const TOOL = 'live-restore';
const USAGE_STATUS = 2;
const DEFAULT_TIMEOUT_SECONDS = 10;

const exitStatusHelp = [
  '',
  'Exit status: 0 done (check: no findings); 1 refused, not applied, or check findings;',
  '2 usage error; 3 daemon unreachable; 4 configuration file unreadable or unwritable.',
].join('\n');

const addCommonOptions = (command: Command): Command =>
  command
    .addOption(new Option('-H, --host <url>', 'daemon socket: unix://PATH or tcp://HOST:PORT (default: DOCKER_HOST)'))
    .addOption(new Option('--config-file <path>', "daemon.json (default: dockerd's --config-file, else the default)"))
    .addOption(new Option('--pidfile <path>', "dockerd's pid file (default: /var/run/docker.pid, else /proc)"))
    .addOption(new Option('--timeout <secs>', `API and reload timeout in seconds (default: ${DEFAULT_TIMEOUT_SECONDS})`))
    .addOption(new Option('--json', 'print the result as one JSON document'))
    .addHelpText('after', exitStatusHelp);

const usageError = (message: string): UsageError => new UsageError(message, { exitStatus: USAGE_STATUS });

const parseTimeout = (text: unknown): number => {
  if (text === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(text);
  if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text.trim()) || seconds <= 0) {
    throw usageError(`invalid value "${String(text)}" for option --timeout: a positive number of seconds`);
  }
  return Math.round(seconds * 1000);
};

const commonOptions = (opts: Record<string, unknown>, io: ToolIO): LiveRestoreOptions => {
  const text = (key: string): string | undefined => (typeof opts[key] === 'string' ? (opts[key] as string) : undefined);
  const host = text('host');
  const configFile = text('configFile');
  const pidfile = text('pidfile');
  return {
    io,
    timeoutMs: parseTimeout(opts['timeout']),
    ...(host === undefined ? {} : { host }),
    ...(configFile === undefined ? {} : { configFile }),
    ...(pidfile === undefined ? {} : { pidfile }),
  };
};

/** Parses argv into the command to run (exported for tests of the flag mapping). */
export const parseLiveRestoreArgs = async (argv: readonly string[], io: ToolIO): Promise<{ command: LiveRestoreCommand; json: boolean }> => {
  let parsed: { command: LiveRestoreCommand; json: boolean } | undefined;
  const program = createProgram(TOOL, "live-restore manages Docker's live restore: containers keep running while dockerd is down.", io)
    .usage('COMMAND [OPTION]...')
    .addHelpText('after', exitStatusHelp);
  const define = (name: string, summary: string, extra: (c: Command) => Command, build: (opts: Record<string, unknown>) => LiveRestoreCommand): void => {
    const command = extra(addCommonOptions(program.command(name).description(summary).usage('[OPTION]...')));
    command.action((opts: Record<string, unknown>) => {
      parsed = { command: build(opts), json: opts['json'] === true };
    });
  };
  const changeOptions = (c: Command): Command =>
    c
      .addOption(new Option('--no-reload', 'only edit the file; do not reload dockerd'))
      .addOption(new Option('--dry-run', 'show the change as a diff; write and reload nothing'));
  const change = (name: 'enable' | 'disable') => (opts: Record<string, unknown>): LiveRestoreCommand => ({
    name,
    options: { ...commonOptions(opts, io), reload: opts['reload'] !== false, dryRun: opts['dryRun'] === true },
  });
  define('status', 'show live restore in the file, the daemon and its surroundings', (c) => c, (opts) => ({ name: 'status', options: commonOptions(opts, io) }));
  define('enable', 'set "live-restore": true in daemon.json, reload dockerd, verify', changeOptions, change('enable'));
  define('disable', 'set "live-restore": false in daemon.json, reload dockerd, verify', changeOptions, change('disable'));
  define('reload', 'make dockerd re-read daemon.json (SIGHUP or systemctl reload), verify', (c) => c, (opts) => ({ name: 'reload', options: commonOptions(opts, io) }));
  define(
    'check',
    'audit what makes live restore fail; exit 1 on any finding',
    (c) => c.addOption(new Option('--target-version <version>', 'the dockerd release an upgrade would install')),
    (opts) => {
      const target = typeof opts['targetVersion'] === 'string' ? opts['targetVersion'] : undefined;
      return { name: 'check', options: { ...commonOptions(opts, io), ...(target === undefined ? {} : { targetVersion: target }) } };
    },
  );
  if (argv.length === 0) throw usageError('a command is required: status, enable, disable, reload or check (try "live-restore --help")');
  await program.parseAsync([...argv], { from: 'user' });
  if (parsed === undefined) throw usageError('a command is required: status, enable, disable, reload or check (try "live-restore --help")');
  return parsed;
};

export const main: ToolMain = (argv, io) =>
  runCli(TOOL, io, USAGE_STATUS, async () => {
    const { command, json } = await parseLiveRestoreArgs(argv, io);
    const out = createOutput(TOOL, io);
    try {
      const outcome = await runLiveRestore(command);
      switch (outcome.name) {
        case 'status':
          printStatus(out, outcome.report, json);
          return outcome.report.reachable ? 0 : 3;
        case 'enable':
        case 'disable':
          printChange(out, outcome.result, json);
          return 0;
        case 'reload':
          printReload(out, outcome.result, json);
          return 0;
        case 'check':
          printCheck(out, outcome.result, json);
          return checkExitStatus(outcome.result);
      }
    } catch (caught) {
      // Usage errors from the core (a malformed -H) exit like commander's own.
      const error = caught instanceof UsageError && caught.exitStatus !== USAGE_STATUS ? usageError(caught.message) : caught;
      // Scripts reading --json get the refusal as JSON too; stderr still carries the message.
      if (json && isWarmstandbyError(error)) {
        out.json({ ok: false, error: { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) } });
      }
      throw error;
    }
  });
