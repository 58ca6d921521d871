import { Option } from 'commander';
import type { ToolIO } from '../../core/cli/io.js';
import { createOutput } from '../../core/cli/output.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import { S3_CONFIG_VARIABLE } from '../../core/archive/location.js';
import { UsageError } from '../../core/errors.js';
import type { ToolMain } from '../registry.js';
import { type ArchiveCleanupOptions, runArchiveCleanup } from './run.js';
import { explainBackupCutoff, jsonReport } from './report.js';

const TOOL = 'archivecleanup';
const helpHint = `Try "${TOOL} --help" for more information.`;

const buildProgram = (io: ToolIO) =>
  createProgram(TOOL, `${TOOL} removes older WAL files from PostgreSQL archives.`, io)
    .usage('[OPTION]... ARCHIVELOCATION OLDESTKEPTWALFILE\n       archivecleanup --latest-backup [OPTION]... ARCHIVELOCATION')
    .argument('[arguments...]')
    .addOption(new Option('-b, --clean-backup-history', 'clean up files including backup history files'))
    .addOption(new Option('-d, --debug', 'generate debug output (verbose mode)'))
    .addOption(new Option('-n, --dry-run', 'dry run, show the names of the files that would be removed'))
    .addOption(new Option('-x, --strip-extension <ext>', 'clean up files if they have this extension'))
    .addOption(new Option('--latest-backup', 'keep what the newest *.backup file needs (cron, no %r)'))
    .addOption(new Option('--no-compressed', 'leave .gz/.lz4/.zst files alone, exactly as pg_archivecleanup'))
    .addOption(new Option('--json', 'report the cutoff, the files removed and the bytes freed as JSON'))
    .addOption(new Option('--s3-config <file>', `S3 settings for s3:// archives (else $${S3_CONFIG_VARIABLE})`))
    .addHelpText(
      'after',
      [
        '',
        'For use as archive_cleanup_command in postgresql.conf:',
        "  archive_cleanup_command = 'archivecleanup [OPTION]... ARCHIVELOCATION %r'",
        'e.g.',
        "  archive_cleanup_command = 'archivecleanup /mnt/server/archiverdir %r'",
        '',
        'ARCHIVELOCATION is a directory or s3://BUCKET[/PREFIX] (one paged listing, then',
        'DeleteObjects in batches of 1,000; the same files are chosen as in a directory).',
        '',
        'Or for use as a standalone archive cleaner:',
        'e.g.',
        '  archivecleanup /mnt/server/archiverdir 000000010000000000000010.00000020.backup',
        '',
        'Or from cron, where there is no %r: --latest-backup keeps every WAL file from the start of',
        'the newest base backup recorded in the archive (its *.backup file) on; with -n it says',
        'which backup history file it chose and why, on stderr.',
        '',
        'Files removed: WAL segments and .partial segments whose position (the name without its',
        'first 8 timeline digits) sorts before OLDESTKEPTWALFILE, and with -b backup history',
        'files. Compressed files as archivewal -Z and pg_receivewal -Z write them (X.gz, X.lz4,',
        'X.zst, X.partial.gz, X.gz.partial) count as the segment they hold; --no-compressed turns',
        'that off. Timeline history files and anything else are never removed.',
        '',
        'Exit status: 0 success; 1 I/O error (or no *.backup file with --latest-backup);',
        '2 usage error or missing archive location.',
      ].join('\n'),
    );

interface ParsedArgs {
  readonly options: Omit<ArchiveCleanupOptions, 'debug' | 'onFile'>;
  readonly debug: boolean;
  readonly json: boolean;
}

/** Flags → options with pg_archivecleanup's argument checks and messages. */
export const parseArchiveCleanupArgs = (argv: readonly string[], io: ToolIO): ParsedArgs => {
  const program = buildProgram(io);
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<Record<string, unknown>>();
  const [archive, oldestKept, ...extra] = program.args;
  const latestBackup = opts['latestBackup'] === true;
  if (archive === undefined) throw new UsageError('must specify archive location', { exitStatus: 2, hint: helpHint });
  if (oldestKept === undefined && !latestBackup) {
    throw new UsageError('must specify oldest kept WAL file', { exitStatus: 2, hint: helpHint });
  }
  if (extra.length > 0 || (latestBackup && oldestKept !== undefined)) {
    throw new UsageError('too many command-line arguments', { exitStatus: 2, hint: helpHint });
  }
  const extension = typeof opts['stripExtension'] === 'string' ? opts['stripExtension'] : undefined;
  const json = opts['json'] === true;
  return {
    options: {
      archive,
      ...(oldestKept === undefined ? {} : { oldestKept }),
      ...(extension === undefined ? {} : { extension }),
      latestBackup,
      dryRun: opts['dryRun'] === true,
      cleanBackupHistory: opts['cleanBackupHistory'] === true,
      compressed: opts['compressed'] !== false,
      measure: json,
      s3ConfigFile: typeof opts['s3Config'] === 'string' ? opts['s3Config'] : undefined,
    },
    debug: opts['debug'] === true,
    json,
  };
};

export const main: ToolMain = (argv, io) =>
  runCli(TOOL, io, 2, async () => {
    const { options, debug, json } = parseArchiveCleanupArgs(argv, io);
    const out = createOutput(TOOL, io);
    const result = await runArchiveCleanup({
      ...options,
      ...(debug ? { debug: (line: string) => out.log(line) } : {}),
      ...(options.dryRun && !json ? { onFile: (path: string) => out.print(path) } : {}),
    }, { cwd: io.cwd, env: io.env, signal: io.signal });
    if ((options.dryRun || debug) && result.backup !== undefined) explainBackupCutoff(out, result);
    if (json) out.json(jsonReport(result));
    return 0;
  });
