import { Option } from 'commander';
import { addConnectionOptions, connectionFlagsFrom } from '../../core/cli/connection-flags.js';
import type { ToolIO } from '../../core/cli/io.js';
import { createProgram } from '../../core/cli/program.js';
import { S3_CONFIG_VARIABLE } from '../../core/archive/location.js';
import { runCli } from '../../core/cli/run-tool.js';
import type { ToolMain } from '../registry.js';
import { buildOptions, type RawFlags, type ReceivewalOptions } from './options.js';
import { runReceivewal } from './run.js';

const TOOL = 'receivewal';

const countUp = (_value: string, previous: number): number => previous + 1;

const buildProgram = (io: ToolIO) => {
  const program = createProgram(TOOL, `${TOOL} receives PostgreSQL streaming write-ahead logs.`, io)
    .usage('[OPTION]...')
    .allowExcessArguments(true)
    .optionsGroup('Options:')
    .addOption(new Option('-D, --directory <dir>', 'receive write-ahead log files into this directory'))
    .addOption(new Option('-E, --endpos <lsn>', 'exit after receiving the specified LSN'))
    .addOption(new Option('--if-not-exists', 'do not error if slot already exists when creating a slot'))
    .addOption(new Option('-n, --no-loop', 'do not loop on connection lost'))
    .addOption(new Option('--no-sync', 'do not wait for changes to be written safely to disk'))
    .addOption(new Option('-s, --status-interval <secs>', 'time between status packets sent to server (default: 10)'))
    .addOption(new Option('-S, --slot <slotname>', 'replication slot to use'))
    .addOption(new Option('--synchronous', 'flush write-ahead log immediately after writing'))
    .addOption(new Option('-v, --verbose', 'output verbose messages').argParser(countUp).default(0))
    .addOption(new Option('-Z, --compress <method[:detail]>', 'compress as specified: none, gzip[:level], lz4, zstd[:level]'))
    .addOption(new Option('--no-progress', 'no progress line on a terminal (position, lag, MB/s)'))
    .optionsGroup('Archive options:')
    .addOption(new Option('--archive <location>', 'also push completed files to this archive (directory or s3://)'))
    .addOption(new Option('--remove-archived', 'remove local segments the archive confirms (not the newest)'))
    .addOption(new Option('--s3-config <file>', `S3 settings for an s3:// archive (else $${S3_CONFIG_VARIABLE})`))
    .optionsGroup('Connection options:');
  addConnectionOptions(program);
  return program
    .optionsGroup('Optional actions:')
    .addOption(new Option('--create-slot', "create a new replication slot (for the slot's name see --slot)"))
    .addOption(new Option('--drop-slot', "drop the replication slot (for the slot's name see --slot)"))
    .addHelpText(
      'after',
      [
        '',
        'Drop-in for pg_receivewal: same options, file names and messages. Differences: writes and',
        'fsyncs overlap with receiving, -Z zstd is supported, a directory holding WAL of another',
        'database system is refused, and SIGTERM stops as cleanly as SIGINT. The default',
        'application_name is the name it was invoked as (installed as pg_receivewal: pg_receivewal).',
        '',
        '--archive pushes each completed segment and history file, in order, with archivewal\'s',
        'semantics (no overwrite, identical content is success, same system only); the partial',
        'segment stays local. With --synchronous and an archive on another host: RPO 0 without a',
        'shared file system. Failed pushes are retried every 5 seconds while streaming; at',
        '--endpos it waits for the archive before it exits.',
        '',
        'Exit status: 0 after --endpos, a signal, or a slot action; 1 on any error.',
      ].join('\n'),
    );
};

/** Flags → options. Exported for tests of the flag mapping. */
export const parseReceivewalArgs = (argv: readonly string[], io: ToolIO): ReceivewalOptions => {
  const program = buildProgram(io);
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<Record<string, unknown>>();
  const text = (key: string): string | undefined => (typeof opts[key] === 'string' ? (opts[key] as string) : undefined);
  const flag = (key: string): boolean | undefined => (typeof opts[key] === 'boolean' ? (opts[key] as boolean) : undefined);
  const raw: { -readonly [K in keyof RawFlags]: RawFlags[K] } = {};
  const assign = <K extends keyof RawFlags>(key: K, value: RawFlags[K] | undefined): void => {
    if (value !== undefined) raw[key] = value;
  };
  assign('directory', text('directory'));
  assign('endpos', text('endpos'));
  assign('ifNotExists', flag('ifNotExists'));
  assign('loop', flag('loop'));
  assign('sync', flag('sync'));
  assign('statusInterval', text('statusInterval'));
  assign('slot', text('slot'));
  assign('synchronous', flag('synchronous'));
  assign('verbose', typeof opts['verbose'] === 'number' ? opts['verbose'] : undefined);
  assign('compress', text('compress'));
  assign('createSlot', flag('createSlot'));
  assign('dropSlot', flag('dropSlot'));
  assign('progress', flag('progress'));
  assign('archive', text('archive'));
  assign('removeArchived', flag('removeArchived'));
  assign('s3Config', text('s3Config'));
  return buildOptions(TOOL, raw, connectionFlagsFrom(opts), program.args);
};

export const main: ToolMain = (argv, io) =>
  runCli(TOOL, io, 1, async () => runReceivewal(parseReceivewalArgs(argv, io), io));
