import { isSegmentFileName } from '../../core/wal/segment-name.js';
import type {
  ArchiveReport,
  ArchivingReport,
  Finding,
  NodeReport,
  Report,
  Severity,
  SlotReport,
  StandbyReport,
  SynchronousReport,
} from './report-model.js';
import type { Limit, Thresholds } from './thresholds.js';

/**
 * What --check reports, one finding per condition. Without thresholds only conditions that
 * are wrong at any size count: an unreachable node, two primaries, a synchronous shortfall
 * (CRITICAL: commits wait), a lost slot (CRITICAL: its standby cannot resume), a stall, a
 * failing archiver, an inactive slot pinning WAL, a gap in the archive (WARNING).
 */
export type Assessed = Pick<Report, 'nodes' | 'standbys' | 'synchronous' | 'slots' | 'archiving' | 'archive'>;

const RANK: Readonly<Record<Severity, number>> = { OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3 };

export const worstOf = (findings: readonly Finding[], reachable: boolean): Severity => {
  if (!reachable) return 'UNKNOWN';
  return findings.reduce<Severity>((worst, f) => (RANK[f.severity] > RANK[worst] ? f.severity : worst), 'OK');
};

const bytes = (n: number): string =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${n} bytes`;

/** CRITICAL over WARNING; a limit in bytes reads the byte distance, one in seconds the lag. */
const overLimit = (value: { bytes: number | null; seconds: number | null }, t: Thresholds): Finding['severity'] | null => {
  const exceeds = (limit: Limit | undefined): boolean => {
    if (limit === undefined) return false;
    const measured = limit.kind === 'bytes' ? value.bytes : value.seconds;
    return measured !== null && measured > limit.value;
  };
  return exceeds(t.critLag) ? 'CRITICAL' : exceeds(t.warnLag) ? 'WARNING' : null;
};

const nodeFindings = (nodes: readonly NodeReport[]): Finding[] => {
  const findings: Finding[] = [];
  const primaries = nodes.filter((n) => n.role === 'primary');
  for (const node of nodes) {
    if (node.role === 'unreachable') {
      findings.push({ severity: 'CRITICAL', code: 'node-unreachable', node: node.id, message: `cannot connect: ${node.error ?? ''}` });
    }
    if (node.role === 'standby' && node.upstream === null) {
      findings.push({ severity: 'WARNING', code: 'no-upstream', node: node.id, message: 'in recovery without a WAL receiver: nothing is streaming to it' });
    }
    const primary = primaries.find((p) => p.systemIdentifier === node.systemIdentifier && p !== node);
    if (node.role === 'standby' && primary !== undefined && primary.timeline !== null && node.timeline !== null && node.timeline !== primary.timeline) {
      findings.push({ severity: 'WARNING', code: 'timeline-mismatch', node: node.id, message: `on timeline ${node.timeline}, the primary ${primary.id} on ${primary.timeline}` });
    }
  }
  for (const node of primaries) {
    const twin = primaries.find((p) => p !== node && p.systemIdentifier !== null && p.systemIdentifier === node.systemIdentifier);
    if (twin !== undefined && node.id < twin.id) {
      findings.push({ severity: 'CRITICAL', code: 'two-primaries', node: node.id, message: `${node.id} and ${twin.id} are both primaries of system ${node.systemIdentifier ?? ''}` });
    }
  }
  return findings;
};

const standbyFindings = (standbys: readonly StandbyReport[], t: Thresholds): Finding[] =>
  standbys.flatMap((s): Finding[] => {
    const name = `${s.applicationName || '(no application_name)'} via ${s.upstream}`;
    const findings: Finding[] = [];
    if (s.stalled !== null) findings.push({ severity: 'WARNING', code: 'standby-stalled', node: s.upstream, message: `${name} stalled: ${s.stalled}` });
    const seconds = s.lagSeconds.replay ?? s.lagSeconds.flush;
    const distance = s.behindBytes.replay ?? s.behindBytes.flush;
    const severity = overLimit({ bytes: distance, seconds }, t);
    if (severity !== null) {
      const what = [distance === null ? null : `${bytes(distance)} behind`, seconds === null ? null : `lag ${seconds.toFixed(1)} s`];
      findings.push({ severity, code: 'lag', node: s.upstream, message: `${name}: ${what.filter((w) => w !== null).join(', ')}` });
    }
    return findings;
  });

const synchronousFindings = (sync: SynchronousReport | null): Finding[] => {
  if (sync === null) return [];
  if (sync.error !== null) {
    // A setting the parser refused is worth a warning; states this role cannot see are not.
    return sync.method === null ? [{ severity: 'WARNING', code: 'sync-names-unreadable', node: sync.node, message: sync.error }] : [];
  }
  if (sync.streaming.length >= sync.required) return [];
  const waiting = sync.waitingCommits === null ? '' : `; ${sync.waitingCommits} commit(s) waiting now`;
  return [
    {
      severity: 'CRITICAL',
      code: 'sync-shortfall',
      node: sync.node,
      message: `synchronous_standby_names needs ${sync.required}, ${sync.streaming.length} streaming: commits wait${waiting}`,
    },
  ];
};

const slotFindings = (slots: readonly SlotReport[], t: Thresholds): Finding[] =>
  slots.flatMap((slot): Finding[] => {
    const at = { node: slot.node };
    const retained = slot.retainedBytes ?? 0;
    const held = `slot ${slot.name} holds ${bytes(retained)} of WAL`;
    if (slot.walStatus === 'lost') {
      return [{ severity: 'CRITICAL', code: 'slot-lost', ...at, message: `slot ${slot.name} lost the WAL its consumer needs (wal_status lost)` }];
    }
    const findings: Finding[] = [];
    if (slot.walStatus === 'unreserved') {
      findings.push({ severity: 'WARNING', code: 'slot-unreserved', ...at, message: `slot ${slot.name}: its WAL will be removed at the next checkpoint (wal_status unreserved)` });
    }
    if (!slot.active && !slot.temporary && slot.restartLsn !== null) {
      findings.push({ severity: 'WARNING', code: 'slot-inactive', ...at, message: `inactive ${held}` });
    }
    const over = t.critSlotRetention !== undefined && retained > t.critSlotRetention ? 'CRITICAL' : t.warnSlotRetention !== undefined && retained > t.warnSlotRetention ? 'WARNING' : null;
    if (over !== null) findings.push({ severity: over, code: 'slot-retention', ...at, message: held });
    return findings;
  });

const archivingFindings = (reports: readonly ArchivingReport[], t: Thresholds): Finding[] =>
  reports.flatMap((a): Finding[] => {
    const findings: Finding[] = [];
    if (a.failing) {
      findings.push({ severity: 'WARNING', code: 'archiver-failing', node: a.node, message: `archiving of ${a.lastFailedWal ?? '?'} fails (${a.failedCount} failures so far)` });
    }
    const waiting = (a.segmentsBehind ?? 0) > 0 || (a.readyFiles ?? 0) > 0;
    const age = a.lastArchivedAgeSeconds;
    const over = !waiting || age === null ? null : t.critArchiverAge !== undefined && age > t.critArchiverAge ? 'CRITICAL' : t.warnArchiverAge !== undefined && age > t.warnArchiverAge ? 'WARNING' : null;
    if (over !== null) {
      findings.push({ severity: over, code: 'archiver-behind', node: a.node, message: `nothing archived for ${age?.toFixed(0)} s while ${a.readyFiles ?? a.segmentsBehind} segment(s) wait` });
    }
    return findings;
  });

const archiveFindings = (archive: ArchiveReport | null, archiving: readonly ArchivingReport[]): Finding[] => {
  if (archive === null) return [];
  const at = { node: archive.location };
  if (archive.error !== null) return [{ severity: 'WARNING', code: 'archive-unreadable', ...at, message: archive.error }];
  const findings: Finding[] = [];
  if ((archive.missingSegments ?? 0) > 0) {
    findings.push({ severity: 'WARNING', code: 'archive-gap', ...at, message: `${archive.missingSegments} segment(s) missing since backup ${archive.newestBackup ?? ''}, first ${archive.firstMissing[0] ?? ''}` });
  }
  // The archiver's word against the archive's contents: the server says it archived a segment
  // newer than anything the archive holds.
  for (const a of archiving) {
    const said = a.lastArchivedWal;
    if (said === null || !isSegmentFileName(said)) continue;
    if (archive.newestSegment === null || said.slice(8) > archive.newestSegment.slice(8)) {
      findings.push({ severity: 'WARNING', code: 'archive-behind-server', ...at, message: `${a.node} reports ${said} archived; the archive's newest segment is ${archive.newestSegment ?? 'none'}` });
    }
  }
  return findings;
};

export const assess = (report: Assessed, t: Thresholds): Finding[] => [
  ...nodeFindings(report.nodes),
  ...standbyFindings(report.standbys, t),
  ...synchronousFindings(report.synchronous),
  ...slotFindings(report.slots, t),
  ...archivingFindings(report.archiving, t),
  ...archiveFindings(report.archive, report.archiving),
];
