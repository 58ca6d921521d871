import { Option } from 'commander';
import type { ToolIO } from '../../core/cli/io.js';
import { createOutput } from '../../core/cli/output.js';
import { countOption } from '../../core/cli/count-option.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import { S3_CONFIG_VARIABLE } from '../../core/archive/location.js';
import { UsageError } from '../../core/errors.js';
import { RestoreExit } from './exit-status.js';
import { NotInArchiveError, type RestoreWalOptions, runRestoreWal } from './run.js';
import { report } from './report.js';

const TOOL = 'restorewal';

const buildProgram = (io: ToolIO) =>
  createProgram(TOOL, `${TOOL} fetches a WAL file from an archive (directory or S3 bucket) for a recovering server.`, io)
    .usage('[OPTION]... WALFILENAME TARGETPATH ARCHIVE')
    .argument('[arguments...]')
    .addOption(new Option('-v, --verbose', 'say what was restored, and when a file is not archived (stderr)'))
    .addOption(new Option('--json', 'print the result as one JSON document'))
    .addOption(new Option('--no-sync', 'do not fsync the restored file'))
    .addOption(new Option('--s3-config <file>', `S3 settings for s3:// archives (else $${S3_CONFIG_VARIABLE})`))
    .addOption(new Option('--prefetch <n>', 'fetch the next N segments ahead, in the background (with --spool)'))
    .addOption(new Option('--spool <dir>', 'with --prefetch: where fetched segments wait (same file system as pg_wal)'))
    .addOption(new Option('--idle-exit <secs>', 'with --prefetch: the prefetcher exits after this long idle (default 60)'))
    .addOption(new Option('--prefetcher', 'run as the prefetcher (started by the hook)').hideHelp())
    .addHelpText(
      'after',
      [
        '',
        'For use as restore_command in postgresql.conf:',
        "  restore_command = 'restorewal %f %p /mnt/server/archivedir'",
        "  restore_command = 'restorewal %f %p s3://bucket/cluster1'",
        '',
        'ARCHIVE is a directory or s3://BUCKET[/PREFIX]. WALFILENAME (%f) must be a segment,',
        '.partial, .history or .backup file name; it is found in ARCHIVE plain or compressed',
        '(NAME.gz, NAME.lz4, NAME.zst, as archivewal -Z writes',
        'it), checked, and written to TARGETPATH (%p) through a temporary name. Segments must',
        'carry the page header of their name, be whole, and belong to the system of the data',
        "directory (global/pg_control in the current directory) or else of the archive's record.",
        '',
        'Exit status:',
        '    0  restored',
        '    1  not in the archive (answered at once; the server asks again later)',
        '    2  usage error, or WALFILENAME is not a WAL file name',
        '    3  I/O error: archive unreadable, TARGETPATH not writable, disk full, object store',
        '       unreachable or failing after 20 s of retries',
        '  150  the archived file does not match its name (page header, size, history syntax)',
        '  151  the archived segment belongs to another database system',
        '  152  the archived file is damaged (SHA-256 differs from the one recorded at archiving,',
        '       or compressed data does not decompress)',
        '  153  the archived file is compressed with a method this installation cannot load',
        'Statuses above 125 make PostgreSQL stop recovery instead of ending it early.',
        '',
        '--prefetch N --spool DIR: after each segment a background prefetcher (one per spool)',
        'fetches the next N segments of that timeline into DIR, verified and decompressed, in',
        'parallel; the next request is then served by rename. History, .partial and .backup files',
        'are never prefetched. DIR holds at most N segments and is cleaned as recovery moves on.',
        "  restore_command = 'restorewal --prefetch 8 --spool /var/lib/pgsql/pf %f %p s3://bucket/c1'",
      ].join('\n'),
    );

/** The complete CLI, loaded when the quick "not archived" answer does not apply. */
export const mainWithOptions = (argv: readonly string[], io: ToolIO): Promise<number> =>
  runCli(TOOL, io, RestoreExit.usage, async () => {
    const program = buildProgram(io);
    program.parse([...argv], { from: 'user' });
    const opts = program.opts<Record<string, unknown>>();
    const hint = `Try "${TOOL} --help" for more information.`;
    const spool = typeof opts['spool'] === 'string' ? opts['spool'] : undefined;
    const usage = { exitStatus: RestoreExit.usage, hint };
    const prefetch = countOption(opts['prefetch'], '--prefetch', { fallback: 0, min: 1, max: 64 }, usage);
    const idleExitMs = countOption(opts['idleExit'], '--idle-exit', { fallback: 60, min: 0, max: 86_400 }, usage) * 1000;
    if ((opts['prefetch'] !== undefined || opts['prefetcher'] === true) !== (spool !== undefined)) {
      throw new UsageError('--prefetch and --spool go together', { exitStatus: RestoreExit.usage, hint });
    }
    if (opts['prefetcher'] === true) {
      const [archive, ...rest] = program.args;
      if (archive === undefined || rest.length > 0 || spool === undefined) throw new UsageError('the prefetcher takes ARCHIVE only', { exitStatus: RestoreExit.usage, hint });
      const { runPrefetcher } = await import('./prefetcher.js');
      const out = createOutput(TOOL, io);
      const stamp = (): string => new Date().toISOString();
      const ended = await runPrefetcher({
        spool, archive, cwd: io.cwd, env: io.env, count: prefetch, idleExitMs, signal: io.signal,
        s3ConfigFile: typeof opts['s3Config'] === 'string' ? opts['s3Config'] : undefined,
        log: (line) => out.log(`${stamp()} ${line}`),
      });
      out.log(`${stamp()} prefetcher ${process.pid} ${ended}`);
      return 0;
    }
    const [file, target, archive, ...extra] = program.args;
    if (file === undefined || target === undefined || archive === undefined || extra.length > 0) {
      throw new UsageError('expected exactly WALFILENAME TARGETPATH ARCHIVE (%f %p and the archive)', {
        exitStatus: RestoreExit.usage,
        hint,
      });
    }
    const options: RestoreWalOptions = {
      file,
      target,
      archive,
      sync: opts['sync'] !== false,
      s3ConfigFile: typeof opts['s3Config'] === 'string' ? opts['s3Config'] : undefined,
    };
    const deps = { cwd: io.cwd, env: io.env, signal: io.signal };
    const out = createOutput(TOOL, io);
    const verbose = opts['verbose'] === true || io.stderr.isTTY === true;
    try {
      const result = spool === undefined
        ? await runRestoreWal(options, deps)
        : await (await import('./prefetch-hook.js')).runPrefetchHook({ ...options, spool, prefetch, idleExitMs }, deps);
      report(out, result, opts['json'] === true, opts['verbose'] === true);
      return RestoreExit.restored;
    } catch (error) {
      if (!(error instanceof NotInArchiveError)) throw error;
      if (opts['json'] === true) out.json({ file, restored: false, reason: 'not-in-archive' });
      if (verbose) out.log(error.message);
      return error.exitStatus;
    }
  });
