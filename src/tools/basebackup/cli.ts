import { type Command, Option } from 'commander';
import { addConnectionOptions, connectionFlagsFrom } from '../../core/cli/connection-flags.js';
import { programNameOf, type ToolIO } from '../../core/cli/io.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import type { ToolMain } from '../registry.js';
import { type BaseBackupFlags, type BaseBackupOptions, resolveOptions } from './options.js';
import { createConsoleReporter } from './report.js';
import { runBaseBackup } from './run.js';
import type { BaseBackupDeps } from './run-options.js';

const TOOL = 'basebackup';

/** Every flag, once, with its description: --help is generated from these declarations. */
const buildProgram = (io: ToolIO): Command => {
  const program = createProgram(TOOL, `${TOOL} takes a base backup of a running PostgreSQL server.`, io)
    .usage('[OPTION]...')
    .allowExcessArguments(true)
    .optionsGroup('Options controlling the output:')
    .addOption(new Option('-D, --pgdata <directory>', 'receive base backup into directory ("-": tar to stdout)'))
    .addOption(new Option('-F, --format <p|t>', 'output format (plain (default), tar)'))
    .addOption(new Option('-r, --max-rate <rate>',
      'maximum transfer rate to transfer data directory (in kB/s, or use suffix "k" or "M")'))
    .addOption(new Option('-R, --write-recovery-conf', 'write configuration for replication'))
    .addOption(new Option('-t, --target <target[:detail]>', 'backup target (if other than client)'))
    .addOption(new Option('-T, --tablespace-mapping <old=new>', 'relocate tablespace in directory OLD to NEW'))
    .addOption(new Option('--waldir <waldir>', 'location for the write-ahead log directory'))
    .addOption(new Option('-X, --wal-method <none|fetch|stream>', 'include required WAL files with specified method'))
    .addOption(new Option('-z, --gzip', 'compress tar output'))
    .addOption(new Option('-Z, --compress <spec>',
      'compress on client or server as specified: [{client|server}-]METHOD[:DETAIL], or none'))
    .optionsGroup('General options:')
    .addOption(new Option('-c, --checkpoint <fast|spread>', 'set fast or spread checkpointing'))
    .addOption(new Option('-C, --create-slot', 'create replication slot'))
    .addOption(new Option('-l, --label <label>', 'set backup label'))
    .addOption(new Option('-n, --no-clean', 'do not clean up after errors'))
    .addOption(new Option('-N, --no-sync', 'do not wait for changes to be written safely to disk'))
    .addOption(new Option('-P, --progress', 'show progress information (a bar with MB/s and ETA on a terminal)'))
    .addOption(new Option('-S, --slot <slotname>', 'replication slot to use'))
    .addOption(new Option('-v, --verbose', 'output verbose messages'))
    .addOption(new Option('--manifest-checksums <algorithm>',
      'use algorithm for manifest checksums (SHA{224,256,384,512}, CRC32C, NONE)'))
    .addOption(new Option('--manifest-force-encode', 'hex encode all file names in manifest'))
    .addOption(new Option('--no-estimate-size', 'do not estimate backup size in server side'))
    .addOption(new Option('--no-manifest', 'suppress generation of backup manifest'))
    .addOption(new Option('--no-slot', 'prevent creation of temporary replication slot'))
    .addOption(new Option('--no-verify-checksums', 'do not verify checksums'))
    .addOption(new Option('--verify',
      'after writing, check every file against backup_manifest (sizes, checksums, manifest checksum, WAL range)'))
    .optionsGroup('Connection options:');
  addConnectionOptions(program);
  return program
    .addOption(new Option('-s, --status-interval <interval>', 'time between status packets sent to server (in seconds)'))
    .addHelpText('after', [
      '',
      'Exit status: 0 on success, 1 on any error (the output is removed unless -n; after a',
      'checksum failure it is kept as evidence).',
    ].join('\n'));
};

export const main: ToolMain = async (argv, io) =>
  runCli(TOOL, io, 1, async () => {
    const program = buildProgram(io);
    const options = resolveOptions(parseFlags(program, argv));
    await runBaseBackup(options, depsOf(options, io));
    return 0;
  });

/**
 * Commander's parse, read back as BaseBackupFlags. Flags whose order matters (last -z/-Z
 * wins; --no-slot must be seen even if -S follows) are collected from commander's option
 * events as they are parsed.
 */
const parseFlags = (program: Command, argv: readonly string[]): BaseBackupFlags => {
  let compress: string | undefined;
  let noSlot = false;
  let verbose = 0;
  let slot: string | undefined;
  const mappings: string[] = [];
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
  return {
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
};

const depsOf = (options: BaseBackupOptions, io: ToolIO): BaseBackupDeps => ({
  env: io.env,
  cwd: io.cwd,
  stdout: io.stdout,
  reporter: createConsoleReporter(io, options),
  programName: programNameOf(io, TOOL),
  ...(io.signal === undefined ? {} : { signal: io.signal }),
});

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
