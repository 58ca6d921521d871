import type { ChalkInstance } from 'chalk';
import { withoutControlChars } from '../../core/cli/output.js';
import type { NodeReport, Report, Severity, StandbyReport } from './report-model.js';

/** Sizes as PostgreSQL prints them (pg_size_pretty's units, 1024-based). */
export const formatBytes = (n: number | null): string => {
  if (n === null) return '?';
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
};

const seconds = (n: number | null): string => (n === null ? '?' : `${n.toFixed(1)} s`);

// Names and values from the servers may hold control characters: shown escaped, never raw.
const safe = (text: string | null | undefined): string => withoutControlChars(text ?? '');

const paint = (color: ChalkInstance, severity: Severity, text: string): string =>
  severity === 'CRITICAL' ? color.red.bold(text) : severity === 'WARNING' ? color.yellow(text) : severity === 'OK' ? color.green(text) : color.magenta(text);

const nodeLine = (node: NodeReport): string => {
  if (node.role === 'unreachable') return `${safe(node.id)}  unreachable: ${safe(node.error)}`;
  const version = node.serverVersionNum === null ? '' : `PostgreSQL ${Math.floor(node.serverVersionNum / 10000)}`;
  const position =
    node.role === 'primary'
      ? `at ${node.currentLsn ?? '?'}`
      : `received ${node.receiveLsn ?? '-'}, replayed ${node.replayLsn ?? '-'}, receiver ${node.receiverStatus ?? 'none'}`;
  return `${safe(node.id)}  ${node.role}  ${version}  timeline ${node.timeline ?? '?'}  ${position}`;
};

const standbyLine = (s: StandbyReport): string => {
  const behind = s.behindBytes;
  const parts = [
    `${safe(s.applicationName) || '(no application_name)'}${s.node === null ? '' : ` (${safe(s.node)})`}`,
    s.state ?? 'state hidden',
    s.syncState === null ? '' : `${s.syncState}${s.syncPriority ? ` priority ${s.syncPriority}` : ''}`,
    `behind: sent ${formatBytes(behind.sent)}, write ${formatBytes(behind.write)}, flush ${formatBytes(behind.flush)}, replay ${behind.replay === null ? '-' : formatBytes(behind.replay)}`,
    `lag: replay ${seconds(s.lagSeconds.replay ?? s.lagSeconds.flush)}`,
    `reply ${seconds(s.replyAgeSeconds)} ago`,
  ];
  return parts.filter((p) => p !== '').join('  ');
};

/** Primary → standbys → cascaded standbys, each WAL sender row under the node that serves it. */
const topology = (report: Report, color: ChalkInstance): string[] => {
  const lines: string[] = [];
  const stalledMark = (s: StandbyReport): string => (s.stalled === null ? '' : `  ${color.yellow(`STALLED: ${safe(s.stalled)}`)}`);
  const seen = new Set<string>();
  const walk = (nodeId: string, depth: number): void => {
    if (seen.has(nodeId)) return;
    seen.add(nodeId);
    for (const s of report.standbys.filter((row) => row.upstream === nodeId)) {
      lines.push(`${'   '.repeat(depth)}└─ ${standbyLine(s)}${stalledMark(s)}`);
      if (s.node !== null) walk(s.node, depth + 1);
    }
  };
  const served = new Set(report.standbys.flatMap((s) => (s.node === null ? [] : [s.node])));
  for (const node of report.nodes.filter((n) => !served.has(n.id))) {
    lines.push(nodeLine(node));
    walk(node.id, 1);
  }
  for (const node of report.nodes.filter((n) => served.has(n.id))) lines.push(`   ${nodeLine(node)}`);
  return lines;
};

const sections = (report: Report): [string, string[]][] => {
  const sync = report.synchronous;
  const syncLines =
    sync === null
      ? ['off (synchronous_standby_names is empty)']
      : sync.error !== null
        ? [safe(sync.error)]
        : [
            `${sync.method === 'quorum' ? 'ANY' : 'FIRST'} ${sync.required} of (${sync.names.map(safe).join(', ')}): ` +
              `${sync.streaming.length} streaming${sync.streaming.length > 0 ? ` (${sync.streaming.map(safe).join(', ')})` : ''}` +
              `${sync.waitingCommits === null ? '' : `, ${sync.waitingCommits} commit(s) waiting`}`,
          ];
  const slots = report.slots.map(
    (s) =>
      `${safe(s.name)} on ${safe(s.node)}  ${s.type}  ${s.active ? `active (${safe(s.holder) || 'no walsender'})` : 'inactive'}  ` +
      `restart ${s.restartLsn ?? '-'}  retains ${formatBytes(s.retainedBytes)}  wal_status ${s.walStatus ?? '-'}` +
      `${s.safeWalSizeBytes === null ? '' : `  safe ${formatBytes(s.safeWalSizeBytes)}`}`,
  );
  const archiving = report.archiving.map(
    (a) =>
      `${safe(a.node)} (archive_mode ${a.mode})  archived ${a.archivedCount}, failed ${a.failedCount}  ` +
      `last ${safe(a.lastArchivedWal) || '-'}${a.lastArchivedAgeSeconds === null ? '' : ` ${a.lastArchivedAgeSeconds.toFixed(0)} s ago`}` +
      `${a.failing ? `  FAILING on ${safe(a.lastFailedWal)}` : ''}  ${a.segmentsBehind ?? '?'} segment(s) behind, ${a.readyFiles ?? '?'} .ready`,
  );
  const archive = report.archive;
  const archiveLines =
    archive === null
      ? []
      : archive.error !== null
        ? [`${safe(archive.location)}: ${safe(archive.error)}`]
        : [
            `${safe(archive.location)}: ${archive.segmentCount} segment(s), newest ${archive.newestSegment ?? 'none'}, ` +
              `newest backup ${archive.newestBackup ?? 'none'}, ` +
              (archive.missingSegments === null ? 'no backup to check from' : `${archive.missingSegments} missing since it`),
          ];
  const unreadable = report.nodes.flatMap((n) => n.unreadable.map((u) => `${safe(n.id)}: ${u.fact}: ${safe(u.reason)}`));
  return [
    ['Synchronous standbys', syncLines],
    ['Replication slots', slots.length === 0 ? ['none'] : slots],
    ['Archiving', archiving.length === 0 ? ['off'] : archiving],
    ['Archive', archiveLines],
    ['Not readable', unreadable],
  ];
};

/** The terminal view: topology first, then each concern, then what is wrong. */
export const renderText = (report: Report, color: ChalkInstance): string[] => {
  const lines = [`${color.bold('Replication')}  ${report.time}  ${paint(color, report.status, report.status)}`, ...topology(report, color)];
  // With no node reached there is nothing to say about slots or archiving, not "none".
  for (const [title, body] of report.status === 'UNKNOWN' ? [] : sections(report)) {
    if (body.length === 0) continue;
    lines.push('', color.bold(title), ...body.map((line) => `  ${line}`));
  }
  if (report.findings.length > 0) {
    lines.push('', color.bold('Findings'));
    for (const f of report.findings) lines.push(`  ${paint(color, f.severity, f.severity)} ${f.code}: ${safe(f.message)}`);
  }
  return lines;
};

/** The one line a monitoring plugin prints first: `REPLSTATUS CRITICAL - 2 problem(s): ...`. */
export const summaryLine = (report: Report): string => {
  if (report.findings.length === 0) {
    if (report.status === 'UNKNOWN') return 'REPLSTATUS UNKNOWN - no node could be reached';
    const standbys = report.standbys.length;
    return `REPLSTATUS OK - ${report.nodes.length} node(s), ${standbys} WAL receiver(s), nothing wrong`;
  }
  const first = report.findings.find((f) => f.severity === report.status) ?? report.findings[0];
  return `REPLSTATUS ${report.status} - ${report.findings.length} problem(s); ${first?.code}: ${safe(first?.message)}`;
};
