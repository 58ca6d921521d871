import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import { type ConnectionFlags, addConnectionOptions, connectionFlagsFrom } from '../../core/cli/connection-flags.js';
import type { ToolIO } from '../../core/cli/io.js';
import { createOutput } from '../../core/cli/output.js';
import { createProgram } from '../../core/cli/program.js';
import { runCli } from '../../core/cli/run-tool.js';
import { UsageError } from '../../core/errors.js';
import type { ToolMain } from '../registry.js';
import { renderPrometheus } from './render-prometheus.js';
import { renderText, summaryLine } from './render-text.js';
import type { Report } from './report-model.js';
import { type ReplstatusOptions, runReplstatus } from './run.js';
import { type Thresholds, parseBytes, parseLimit, parseSeconds } from './thresholds.js';

const TOOL = 'replstatus';
/** Monitoring plugins' statuses (Nagios, Icinga): a usage error is UNKNOWN under --check. */
const CHECK_STATUS = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const buildProgram = (io: ToolIO) =>
  addConnectionOptions(
    createProgram(TOOL, 'replstatus shows a replication setup: topology, lag, slots, synchronous standbys, archive.', io)
      .usage('[OPTION]...'),
    new Option('-d, --dbname <connstr>', 'a node to look at (connection string); repeat, one per node').argParser(collect),
  )
    .addOption(new Option('--archive <location>', 'also check this archive: a directory or s3://BUCKET[/PREFIX]'))
    .addOption(new Option('--s3-config <file>', 'endpoint, region and credentials for an s3:// archive'))
    .addOption(new Option('--json', 'print the report as one JSON document (schema: man replstatus)'))
    .addOption(new Option('--prometheus', 'print the report as Prometheus text exposition'))
    .addOption(new Option('--watch <secs>', 'refresh every SECS seconds until interrupted'))
    .addOption(new Option('--check', 'monitoring plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN'))
    .addOption(new Option('--warn-lag <limit>', 'WARNING when a standby trails by more (bytes: 16MB; time: 30s)'))
    .addOption(new Option('--crit-lag <limit>', 'CRITICAL when a standby trails by more'))
    .addOption(new Option('--warn-slot-retention <size>', 'WARNING when a slot holds more WAL than this'))
    .addOption(new Option('--crit-slot-retention <size>', 'CRITICAL when a slot holds more WAL than this'))
    .addOption(new Option('--warn-archiver-age <secs>', 'WARNING when WAL waits and nothing was archived for this long'))
    .addOption(new Option('--crit-archiver-age <secs>', 'CRITICAL when WAL waits and nothing was archived for this long'))
    .addOption(new Option('--stall <secs>', 'a standby silent this long is stalled (default: 3 intervals)'))
    .addHelpText(
      'after',
      [
        '',
        'A primary alone is enough: its pg_stat_replication and slots name the standbys. Give each',
        "standby's connection string with another -d to read its side too (cascades, timelines).",
        'Sizes take bytes, kB, MB, GB, TB; durations ms, s, min, h, d. Without thresholds --check',
        'reports CRITICAL for a synchronous shortfall, an unreachable node, a lost slot or two',
        'primaries, and WARNING for a stall, a failing archiver, an inactive slot or an archive gap.',
        '',
        'Exit status: 0 the report was made, 1 it could not be (no node reached, bad option).',
        'With --check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
      ].join('\n'),
    );

export interface ParsedArgs {
  readonly options: ReplstatusOptions;
  readonly format: 'text' | 'json' | 'prometheus';
  readonly check: boolean;
  readonly watchSeconds: number | undefined;
}

const text = (opts: Record<string, unknown>, key: string): string | undefined =>
  typeof opts[key] === 'string' ? (opts[key] as string) : undefined;

const thresholdsFrom = (opts: Record<string, unknown>): Thresholds => {
  const t: { -readonly [K in keyof Thresholds]: Thresholds[K] } = {};
  const set = <K extends keyof Thresholds>(key: K, flag: string, parse: (v: string, o: string) => Thresholds[K]): void => {
    const value = text(opts, flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    if (value !== undefined) t[key] = parse(value, `option --${flag}`);
  };
  set('warnLag', 'warn-lag', parseLimit);
  set('critLag', 'crit-lag', parseLimit);
  set('warnSlotRetention', 'warn-slot-retention', parseBytes);
  set('critSlotRetention', 'crit-slot-retention', parseBytes);
  set('warnArchiverAge', 'warn-archiver-age', parseSeconds);
  set('critArchiverAge', 'crit-archiver-age', parseSeconds);
  set('stallSeconds', 'stall', parseSeconds);
  return t;
};

/** Flags → options. Exported for tests of the flag mapping. */
export const parseReplstatusArgs = (argv: readonly string[], io: ToolIO): ParsedArgs => {
  const program = buildProgram(io);
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<Record<string, unknown>>();
  const dbnames = (opts['dbname'] as string[] | undefined) ?? [];
  // -h -p -U -W -w as every tool reads them; -d (repeatable here) is not a string, so not in it.
  const shared = connectionFlagsFrom(opts);
  if (dbnames.length > 1 && (shared.host !== undefined || shared.port !== undefined)) {
    throw new UsageError('-h and -p name one node; with several -d give host and port in each connection string');
  }
  const nodes: ConnectionFlags[] = dbnames.length === 0 ? [shared] : dbnames.map((dbname) => ({ ...shared, dbname }));
  if (opts['json'] === true && opts['prometheus'] === true) throw new UsageError('--json and --prometheus cannot be used together');
  const watch = text(opts, 'watch');
  const watchSeconds = watch === undefined ? undefined : parseSeconds(watch, 'option --watch');
  if (watchSeconds !== undefined && !(watchSeconds > 0)) throw new UsageError('--watch needs a positive number of seconds');
  if (watchSeconds !== undefined && opts['check'] === true) throw new UsageError('--check makes one report: it cannot be used with --watch');
  const archive = text(opts, 'archive');
  const s3ConfigFile = text(opts, 's3Config');
  return {
    options: {
      nodes,
      thresholds: thresholdsFrom(opts),
      ...(archive === undefined ? {} : { archive }),
      ...(s3ConfigFile === undefined ? {} : { s3ConfigFile }),
    },
    format: opts['json'] === true ? 'json' : opts['prometheus'] === true ? 'prometheus' : 'text',
    check: opts['check'] === true,
    watchSeconds,
  };
};

// Home and clear below: the next report replaces the previous one in place.
const CLEAR_SCREEN = '\u001b[H\u001b[J';

export const main: ToolMain = (argv, io) => {
  const checking = argv.includes('--check');
  return runCli(TOOL, io, checking ? CHECK_STATUS.UNKNOWN : 1, async () => {
    const parsed = parseReplstatusArgs(argv, io);
    const out = createOutput(TOOL, io);
    const typed: { password?: string } = {};
    let previous: Report | undefined;
    for (;;) {
      const report = await runReplstatus(parsed.options, {
        io,
        ...(previous === undefined ? {} : { previous }),
        onWarning: (message) => out.warn(message),
        typed,
      });
      if (parsed.watchSeconds !== undefined && out.stdoutIsTTY) io.stdout.write(CLEAR_SCREEN);
      if (parsed.format === 'json') out.json(report);
      else if (parsed.format === 'prometheus') for (const line of renderPrometheus(report)) out.print(line);
      else {
        if (parsed.check) out.print(summaryLine(report));
        for (const line of renderText(report, out.color)) out.print(line);
      }
      if (parsed.check) return CHECK_STATUS[report.status];
      if (parsed.watchSeconds === undefined) {
        if (report.status !== 'UNKNOWN') return 0;
        out.error('no node could be reached');
        return 1;
      }
      previous = report;
      try {
        await sleep(parsed.watchSeconds * 1000, undefined, io.signal === undefined ? {} : { signal: io.signal });
      } catch {
        return 0;
      }
      if (out.stdoutIsTTY === false) out.print('');
    }
  });
};
