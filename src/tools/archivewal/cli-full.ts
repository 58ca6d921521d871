import { Option } from 'commander';
import type { ToolIO } from '../../core/cli/io.js';
import { createOutput } from '../../core/cli/output.js';
import { countOption } from '../../core/cli/count-option.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import { parseCompressionSpec } from '../../core/compression/compression-spec.js';
import { S3_CONFIG_VARIABLE } from '../../core/archive/location.js';
import { UsageError } from '../../core/errors.js';
import { type ArchiveWalOptions, type ArchiveWalResult, runArchiveWal } from './run.js';
import { report } from './report.js';

const TOOL = 'archivewal';

const buildProgram = (io: ToolIO) =>
  createProgram(TOOL, `${TOOL} copies a finished WAL file into an archive (directory or S3 bucket), safely.`, io)
    .usage('[OPTION]... WALFILE ARCHIVE')
    .argument('[arguments...]')
    .addOption(new Option('-Z, --compress <method[:detail]>', 'compress segments: gzip, lz4 or zstd[:level]'))
    .addOption(new Option('-v, --verbose', 'say what was archived (stderr)'))
    .addOption(new Option('--json', 'print the result as one JSON document'))
    .addOption(new Option('--no-sync', 'do not fsync (for tests only: a crash may lose the archive)'))
    .addOption(new Option('--s3-config <file>', `S3 settings for s3:// archives (else $${S3_CONFIG_VARIABLE})`))
    .addOption(new Option('--async', 'answer from the spool; a background pusher archives ahead'))
    .addOption(new Option('--spool <dir>', 'with --async: where the pusher acknowledges files'))
    .addOption(new Option('-j, --jobs <n>', 'with --async: parallel pushes (default 4)'))
    .addOption(new Option('--timeout <secs>', 'with --async: wait at most this long for the pusher (default 60)'))
    .addOption(new Option('--idle-exit <secs>', 'with --async: the pusher exits after this long idle (default 60)'))
    .addOption(new Option('--pusher', 'run as the pusher (started by the --async hook)').hideHelp())
    .addOption(new Option('--wal-dir <dir>', "the pusher's pg_wal").hideHelp())
    .addHelpText(
      'after',
      [
        '',
        'For use as archive_command in postgresql.conf:',
        "  archive_command = 'archivewal %p /mnt/server/archivedir'",
        "  archive_command = 'archivewal %p s3://bucket/cluster1'",
        '',
        'ARCHIVE is a directory or s3://BUCKET[/PREFIX] (see "Object-storage archives" in the',
        'README and man page for endpoint, region and credentials; never put secrets in the URL).',
        '',
        'WALFILE (%p) must be a WAL segment, a .partial segment, a timeline .history file or a',
        'backup history (.backup) file, named as the server names them; segments must carry',
        'the page header of their name (PostgreSQL 14-18). In a directory the file is written',
        'under a temporary name, fsynced, and linked into place, which never replaces an existing',
        'file; then the directory is fsynced. In a bucket it is one PUT with If-None-Match: *,',
        'signed with its SHA-256 (the service checks it; the object\'s metadata keeps it). The',
        'first segment records the cluster\'s system identifier as .warmstandby-system-identifier',
        'in the archive; segments of any other system are refused.',
        '',
        'A file already archived with identical content (also in compressed form) is success;',
        'with different content it is an error and the archived file stays as it was. -Z stores',
        'segments as NAME.gz, NAME.lz4 or NAME.zst (history and backup files stay plain); levels',
        'are those of pg_receivewal -Z (the lz4 frame encoder here has a single level).',
        '',
        '--async --spool DIR: the hook answers from DIR (NAME.ok: 0 at once; NAME.error: that',
        'error, for the server log) and starts one pusher per spool, which pushes the files',
        'pg_wal/archive_status lists as .ready, --jobs at a time, straight from pg_wal, and writes',
        'NAME.ok only once the archive holds NAME durably. It never renames .ready files and exits',
        'after --idle-exit seconds with nothing to do. Losing DIR loses nothing.',
        "  archive_command = 'archivewal --async --spool /var/lib/pgsql/spool %p s3://bucket/c1'",
        '',
        'Exit status: 0 archived, or already archived with identical content; 1 any failure',
        '(the server retries later); 2 usage error. Never above 125, which would stop the',
        "server's archiver.",
      ].join('\n'),
    );

interface ParsedArgs {
  readonly options: ArchiveWalOptions;
  readonly verbose: boolean;
  readonly json: boolean;
  /** push: the file now; async: the hook of --async; pusher: the long-lived pusher. */
  readonly mode: 'push' | 'async' | 'pusher';
  readonly async: AsyncSettings;
}

interface AsyncSettings {
  readonly spool: string;
  readonly jobs: number;
  readonly timeoutMs: number;
  readonly idleExitMs: number;
  readonly walDir: string;
}

export const parseArchiveWalArgs = (argv: readonly string[], io: ToolIO): ParsedArgs => {
  const program = buildProgram(io);
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<Record<string, unknown>>();
  const hint = `Try "${TOOL} --help" for more information.`;
  const mode = opts['pusher'] === true ? 'pusher' : opts['async'] === true ? 'async' : 'push';
  // The pusher takes only the archive: it finds its files in pg_wal/archive_status.
  const [source, archive, ...extra] = mode === 'pusher' ? ['', ...program.args] : program.args;
  const spool = typeof opts['spool'] === 'string' ? opts['spool'] : undefined;
  if (mode !== 'push' && spool === undefined) throw new UsageError('--async needs --spool DIR', { exitStatus: 2, hint });
  if (mode === 'push' && (spool !== undefined || opts['jobs'] !== undefined)) {
    throw new UsageError('--spool and --jobs go with --async', { exitStatus: 2, hint });
  }
  if (source === undefined) throw new UsageError('must specify the WAL file to archive (%p)', { exitStatus: 2, hint });
  if (archive === undefined) throw new UsageError('must specify the archive (a directory or s3:// URL)', { exitStatus: 2, hint });
  if (extra.length > 0) throw new UsageError('too many command-line arguments', { exitStatus: 2, hint });
  const compressText = typeof opts['compress'] === 'string' ? opts['compress'] : 'none';
  let compression;
  try {
    compression = parseCompressionSpec(compressText);
  } catch (error) {
    throw new UsageError((error as Error).message, { exitStatus: 2, hint });
  }
  return {
    options: {
      source,
      archive,
      compression,
      sync: opts['sync'] !== false,
      s3ConfigFile: typeof opts['s3Config'] === 'string' ? opts['s3Config'] : undefined,
    },
    verbose: opts['verbose'] === true,
    json: opts['json'] === true,
    mode,
    async: {
      spool: spool ?? '',
      jobs: countOption(opts['jobs'], '--jobs', { fallback: 4, min: 1, max: 64 }, { exitStatus: 2, hint }),
      timeoutMs: countOption(opts['timeout'], '--timeout', { fallback: 60, min: 1, max: 3600 }, { exitStatus: 2, hint }) * 1000,
      idleExitMs: countOption(opts['idleExit'], '--idle-exit', { fallback: 60, min: 0, max: 86_400 }, { exitStatus: 2, hint }) * 1000,
      walDir: typeof opts['walDir'] === 'string' ? opts['walDir'] : '',
    },
  };
};

/** The complete CLI: options, reports, and every error printed in the house format. */
export const mainWithOptions = (argv: readonly string[], io: ToolIO): Promise<number> =>
  runCli(TOOL, io, 2, async () => {
    const { options, verbose, json, mode, async } = parseArchiveWalArgs(argv, io);
    const out = createOutput(TOOL, io);
    const deps = { cwd: io.cwd, env: io.env, signal: io.signal };
    if (mode === 'pusher') {
      const { runPusher } = await import('./pusher.js');
      const stamp = (): string => new Date().toISOString();
      const ended = await runPusher({ ...options, ...deps, ...async, log: (line) => out.log(`${stamp()} ${line}`) });
      out.log(`${stamp()} pusher ${process.pid} ${ended}`);
      return 0;
    }
    if (mode === 'async') {
      const { runAsyncHook } = await import('./async-hook.js');
      const result = await runAsyncHook({ ...options, ...async }, deps);
      if (result.outcome === 'acknowledged') {
        if (json) out.json(result);
        if (verbose) out.log(`"${result.file}" is in the archive (acknowledged by the pusher)`);
      } else {
        report(out, result, verbose, json);
      }
      return 0;
    }
    report(out, await runArchiveWal(options, deps), verbose, json);
    return 0;
  });

/** What the quick path could not finish quietly: an outcome to tell, or an error to print. */
export const reportOutcome = (io: ToolIO, outcome: { result: ArchiveWalResult } | { error: unknown } | { acknowledged: string }): Promise<number> =>
  runCli(TOOL, io, 2, async () => {
    if ('error' in outcome) throw outcome.error;
    if ('acknowledged' in outcome) return 0;
    report(createOutput(TOOL, io), outcome.result, false, false);
    return 0;
  });
