import { resolve } from 'node:path';
import { Option } from 'commander';
import { connectionFlagsFrom } from '../../core/cli/connection-flags.js';
import type { ToolIO } from '../../core/cli/io.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import type { ToolMain } from '../registry.js';
import { DEFAULT_TIMEOUT_SECONDS, type PromoteOptions, chooseTarget, parseTimeout } from './options.js';
import { runPromote } from './run.js';
import { printFailureJson } from './report.js';

const TOOL = 'promote';

const buildProgram = (io: ToolIO) =>
  createProgram(TOOL, 'promote ends standby mode on a PostgreSQL server, locally or over a connection.', io)
    .usage('[OPTION]...')
    .addOption(new Option('-D, --pgdata <datadir>', 'data directory of the standby to promote (default: PGDATA)'))
    .addOption(new Option('-w, --wait', 'wait until the promotion completes (default)'))
    .addOption(new Option('-W, --no-wait', 'do not wait until the promotion completes'))
    .addOption(new Option('-t, --timeout <secs>', 'seconds to wait when waiting (default: PGCTLTIMEOUT or 60)'))
    .addOption(new Option('-s, --silent', 'only print errors, no informational messages'))
    // pg_ctl takes its server log file with every mode; scripts pass it to promote too.
    .addOption(new Option('-l, --log <filename>', 'accepted as pg_ctl accepts it; unused (nothing is started)'))
    .addOption(new Option('--check', 'show replay progress first; refuse while replay trails receive'))
    .addOption(new Option('--force', 'with --check: promote even though replay trails receive'))
    .addOption(new Option('--dry-run', 'run the --check and stop without promoting'))
    .addOption(new Option('--json', 'print the result (and the check) as one JSON document'))
    .addOption(new Option('-d, --dbname <connstr>', 'promote this server over SQL (connection string)'))
    .addOption(new Option('-h, --host <hostname>', 'database server host or socket directory'))
    .addOption(new Option('-p, --port <port>', 'database server port number'))
    .addOption(new Option('-U, --username <name>', 'connect as specified database user'))
    // -w/-W mean wait/no-wait as in pg_ctl, so the password switches are long options only.
    .addOption(new Option('--password', 'force password prompt (should happen automatically)'))
    .addOption(new Option('--no-password', 'never prompt for password'))
    .addHelpText(
      'after',
      [
        '',
        'Without -D, PGDATA or a connection option there is nothing to promote. With -D (or PGDATA)',
        'the server on this host is signalled as pg_ctl promote does; with -d or -h it is asked to',
        'promote itself with SELECT pg_promote(). --check connects to the server (locally through',
        'the socket named in postmaster.pid) to compare received and replayed WAL.',
        '',
        'Exit status: 0 promoted (or promoting, with -W); 1 on any error or refusal.',
      ].join('\n'),
    );

/** Flags → options. Exported for tests of the flag mapping. */
export const parsePromoteArgs = (argv: readonly string[], io: ToolIO): PromoteOptions => {
  const program = buildProgram(io);
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<Record<string, unknown>>();
  const connection = connectionFlagsFrom(opts);
  const pgdata = typeof opts['pgdata'] === 'string' ? opts['pgdata'] : undefined;
  const target = chooseTarget({ ...(pgdata === undefined ? {} : { pgdata }), connection, env: io.env });
  const timeoutText = typeof opts['timeout'] === 'string' ? opts['timeout'] : undefined;
  const envTimeout = io.env['PGCTLTIMEOUT'];
  const timeoutSeconds =
    timeoutText !== undefined
      ? parseTimeout(timeoutText, 'option -t/--timeout')
      : envTimeout !== undefined && envTimeout !== ''
        ? parseTimeout(envTimeout, 'environment variable PGCTLTIMEOUT')
        : DEFAULT_TIMEOUT_SECONDS;
  const dryRun = opts['dryRun'] === true;
  return {
    target: target.kind === 'local' ? { kind: 'local', dataDir: resolve(io.cwd, target.dataDir) } : target,
    connection,
    wait: opts['wait'] !== false,
    timeoutSeconds,
    silent: opts['silent'] === true,
    check: opts['check'] === true || dryRun,
    force: opts['force'] === true,
    dryRun,
    json: opts['json'] === true,
  };
};

export const main: ToolMain = (argv, io) =>
  runCli(TOOL, io, 1, async () => {
    const options = parsePromoteArgs(argv, io);
    try {
      await runPromote(options, io);
    } catch (error) {
      if (options.json) printFailureJson(io, options.target.kind, error);
      throw error;
    }
    return 0;
  });
