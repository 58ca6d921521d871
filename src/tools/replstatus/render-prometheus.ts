import type { Report } from './report-model.js';

/**
 * Prometheus text exposition (format 0.0.4). Names follow postgres_exporter where it has the
 * metric (pg_up, pg_stat_replication_*, pg_replication_slots_*, pg_stat_archiver_*), so
 * existing dashboards and alerts read them; what it lacks is `warmstandby_*`.
 */
type Labels = Readonly<Record<string, string>>;
type Sample = readonly [Labels, number | null];

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: readonly Sample[];
}

// The exposition format escapes backslash, double quote and line feed in label values.
const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelText = (labels: Labels): string => {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
};

const STATUS_VALUE = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;

const metrics = (report: Report): Metric[] => {
  const standby = (s: Report['standbys'][number]): Labels => ({ node: s.upstream, application_name: s.applicationName });
  const gauge = (name: string, help: string, samples: readonly Sample[]): Metric => ({ name, help, type: 'gauge', samples });
  const counter = (name: string, help: string, samples: readonly Sample[]): Metric => ({ name, help, type: 'counter', samples });
  const sync = report.synchronous;
  return [
    gauge('pg_up', 'Whether the node could be reached.', report.nodes.map((n) => [{ node: n.id }, n.role === 'unreachable' ? 0 : 1])),
    gauge('pg_replication_is_replica', 'Whether the node is in recovery.', report.nodes.filter((n) => n.role !== 'unreachable').map((n) => [{ node: n.id }, n.role === 'standby' ? 1 : 0])),
    gauge('warmstandby_timeline', 'The timeline the node is on.', report.nodes.map((n) => [{ node: n.id }, n.timeline])),
    gauge('pg_stat_replication_pg_wal_lsn_diff', 'Bytes the standby has not yet replayed (flushed, without replay).', report.standbys.map((s) => [standby(s), s.behindBytes.replay ?? s.behindBytes.flush])),
    gauge('warmstandby_standby_behind_bytes', 'Bytes each position trails the upstream.', report.standbys.flatMap((s) => (['sent', 'write', 'flush', 'replay'] as const).map((p): Sample => [{ ...standby(s), position: p }, s.behindBytes[p]]))),
    gauge('warmstandby_standby_lag_seconds', 'write_lag, flush_lag and replay_lag of pg_stat_replication.', report.standbys.flatMap((s) => (['write', 'flush', 'replay'] as const).map((p): Sample => [{ ...standby(s), kind: p }, s.lagSeconds[p]]))),
    gauge('warmstandby_standby_reply_age_seconds', 'Seconds since the standby last replied.', report.standbys.map((s) => [standby(s), s.replyAgeSeconds])),
    gauge('warmstandby_standby_stalled', 'Whether the standby is stalled.', report.standbys.map((s) => [standby(s), s.stalled === null ? 0 : 1])),
    gauge('warmstandby_standby_sync', 'Whether the standby is synchronous now (sync_state sync or quorum).', report.standbys.map((s) => [standby(s), s.syncState === 'sync' || s.syncState === 'quorum' ? 1 : 0])),
    gauge('warmstandby_sync_standbys_required', 'Synchronous standbys synchronous_standby_names asks for.', sync === null ? [] : [[{ node: sync.node }, sync.required]]),
    gauge('warmstandby_sync_standbys_streaming', 'Listed standbys that are streaming.', sync === null ? [] : [[{ node: sync.node }, sync.streaming.length]]),
    gauge('warmstandby_commits_waiting', 'Backends waiting for synchronous replication.', sync === null ? [] : [[{ node: sync.node }, sync.waitingCommits]]),
    gauge('pg_replication_slots_active', 'Whether the slot is in use.', report.slots.map((s) => [{ node: s.node, slot_name: s.name }, s.active ? 1 : 0])),
    gauge('pg_replication_slots_pg_wal_lsn_diff', 'Bytes of WAL the slot retains.', report.slots.map((s) => [{ node: s.node, slot_name: s.name }, s.retainedBytes])),
    gauge('pg_replication_slots_safe_wal_size_bytes', 'Bytes that can still be written before the slot loses WAL.', report.slots.map((s) => [{ node: s.node, slot_name: s.name }, s.safeWalSizeBytes])),
    gauge('warmstandby_slot_lost', 'Whether the slot lost WAL its consumer needs (wal_status lost).', report.slots.map((s) => [{ node: s.node, slot_name: s.name }, s.walStatus === 'lost' ? 1 : 0])),
    counter('pg_stat_archiver_archived_count', 'Files archived successfully.', report.archiving.map((a) => [{ node: a.node }, a.archivedCount])),
    counter('pg_stat_archiver_failed_count', 'Failed attempts to archive files.', report.archiving.map((a) => [{ node: a.node }, a.failedCount])),
    gauge('pg_stat_archiver_last_archive_age', 'Seconds since the last file was archived.', report.archiving.map((a) => [{ node: a.node }, a.lastArchivedAgeSeconds])),
    gauge('warmstandby_archiver_failing', 'Whether the last archiving attempt failed.', report.archiving.map((a) => [{ node: a.node }, a.failing ? 1 : 0])),
    gauge('warmstandby_archiver_segments_behind', 'Segments between the last archived one and the current one.', report.archiving.map((a) => [{ node: a.node }, a.segmentsBehind])),
    gauge('warmstandby_archiver_ready_files', '.ready files waiting in pg_wal/archive_status.', report.archiving.map((a) => [{ node: a.node }, a.readyFiles])),
    gauge('warmstandby_archive_missing_segments', 'Segments missing from the archive since its newest backup.', report.archive === null ? [] : [[{ location: report.archive.location }, report.archive.missingSegments]]),
    gauge('warmstandby_replstatus_status', 'The overall status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [[{}, STATUS_VALUE[report.status]]]),
  ];
};

/** One HELP and TYPE line per metric, then its samples; a value nobody could read is left out. */
export const renderPrometheus = (report: Report): string[] =>
  metrics(report).flatMap((metric) => {
    const samples = metric.samples.filter((sample): sample is readonly [Labels, number] => sample[1] !== null);
    if (samples.length === 0) return [];
    return [
      `# HELP ${metric.name} ${metric.help}`,
      `# TYPE ${metric.name} ${metric.type}`,
      ...samples.map(([labels, value]) => `${metric.name}${labelText(labels)} ${value}`),
    ];
  });
