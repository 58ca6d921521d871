import { Option } from 'commander';
import { addConnectionOptions, connectionFlagsFrom } from '../../core/cli/connection-flags.js';
import { programNameOf } from '../../core/cli/io.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import type { ToolMain } from '../registry.js';
import { helpText } from './help.js';
import { type BaseBackupFlags, resolveOptions } from './options.js';
import { createConsoleReporter } from './reporter.js';
import { runBaseBackup } from './run.js';

const TOOL = 'basebackup';

export const main: ToolMain = async (argv, io) =>
  runCli(TOOL, io, 1, async () => {
    const program = createProgram(TOOL, 'take a base backup of a running PostgreSQL server', io);
    program.helpInformation = () => helpText(program.name());
    // Flags whose order matters (last -z/-Z wins; --no-slot must be seen even if -S follows)
    // are collected from commander's option events as they are parsed.
    let compress: string | undefined;
    let noSlot = false;
    let verbose = 0;
    let slot: string | undefined;
    const mappings: string[] = [];
    program
      .allowExcessArguments(true)
      .addOption(new Option('-D, --pgdata <directory>'))
      .addOption(new Option('-F, --format <format>'))
      .addOption(new Option('-r, --max-rate <rate>'))
      .addOption(new Option('-R, --write-recovery-conf'))
      .addOption(new Option('-t, --target <target>'))
      .addOption(new Option('-T, --tablespace-mapping <mapping>'))
      .addOption(new Option('--waldir <waldir>'))
      .addOption(new Option('-X, --wal-method <method>'))
      .addOption(new Option('-z, --gzip'))
      .addOption(new Option('-Z, --compress <method>'))
      .addOption(new Option('-c, --checkpoint <mode>'))
      .addOption(new Option('-C, --create-slot'))
      .addOption(new Option('-l, --label <label>'))
      .addOption(new Option('-n, --no-clean'))
      .addOption(new Option('-N, --no-sync'))
      .addOption(new Option('-P, --progress'))
      .addOption(new Option('-S, --slot <slotname>'))
      .addOption(new Option('--no-slot'))
      .addOption(new Option('-v, --verbose'))
      .addOption(new Option('--manifest-checksums <algorithm>'))
      .addOption(new Option('--manifest-force-encode'))
      .addOption(new Option('--no-estimate-size'))
      .addOption(new Option('--no-manifest'))
      .addOption(new Option('--no-verify-checksums'))
      .addOption(new Option('--verify'))
      .addOption(new Option('-s, --status-interval <interval>'));
    addConnectionOptions(program);
    program.on('option:gzip', () => {
      compress = 'gzip';
    });
    program.on('option:compress', (value: string) => {
      compress = value;
    });
    program.on('option:slot', (value: string) => {
      slot = value;
    });
    program.on('option:no-slot', () => {
      noSlot = true;
    });
    program.on('option:verbose', () => {
      verbose += 1;
    });
    program.on('option:tablespace-mapping', (value: string) => {
      mappings.push(value);
    });
    program.parse([...argv], { from: 'user' });
    const o = program.opts<Record<string, unknown>>();
    const text = (key: string): string | undefined => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
    const flags: BaseBackupFlags = {
      ...optional('pgdata', text('pgdata')),
      ...optional('format', text('format')),
      ...optional('walMethod', text('walMethod')),
      writeRecoveryConf: o['writeRecoveryConf'] === true,
      ...optional('slot', slot),
      noSlot,
      createSlot: o['createSlot'] === true,
      ...optional('checkpoint', text('checkpoint')),
      ...optional('label', text('label')),
      noClean: o['clean'] === false,
      noSync: o['sync'] === false,
      progress: o['progress'] === true,
      verbose,
      ...optional('maxRate', text('maxRate')),
      tablespaceMappings: mappings,
      ...optional('waldir', text('waldir')),
      ...optional('compress', compress),
      ...optional('target', text('target')),
      noManifest: o['manifest'] === false,
      ...optional('manifestChecksums', text('manifestChecksums')),
      manifestForceEncode: o['manifestForceEncode'] === true,
      noEstimateSize: o['estimateSize'] === false,
      noVerifyChecksums: o['verifyChecksums'] === false,
      ...optional('statusInterval', text('statusInterval')),
      verify: o['verify'] === true,
      extraArguments: program.args,
      connection: connectionFlagsFrom(o),
    };
    const options = resolveOptions(flags);
    const reporter = createConsoleReporter(io, options);
    const outcome = await runBaseBackup({
      options,
      env: io.env,
      cwd: io.cwd,
      stdout: io.stdout,
      reporter,
      programName: programNameOf(io, TOOL),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(io.stdin === undefined ? {} : { stdin: io.stdin }),
    });
    return outcome.exitStatus;
  });

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
