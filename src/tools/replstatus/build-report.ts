import { formatLsn, parseLsn } from '../../core/wal/lsn.js';
import { isSegmentFileName, parseSegmentFileName } from '../../core/wal/segment-name.js';
import type { NodeFacts, SenderFacts } from './node-facts.js';
import type {
  ArchivingReport,
  NodeReport,
  Positions,
  SlotReport,
  StandbyReport,
  SynchronousReport,
} from './report-model.js';
import { parseSyncStandbyNames, standbyPriority } from './sync-standby-names.js';

/** One node as sampled: its facts, or why it could not be reached. */
export interface NodeSample {
  readonly id: string;
  readonly port: number;
  readonly facts: NodeFacts | null;
  readonly error: string | null;
}

/** The walsender stops hearing from a standby: how long before that is a stall. */
export interface StallRule {
  /** --stall: one threshold for every standby; otherwise 3 status intervals. */
  readonly seconds: number | undefined;
  /** The previous sample (--watch): a position that did not move while the upstream's did. */
  readonly previous: readonly StandbyReport[] | undefined;
  readonly previousNodes: readonly NodeReport[] | undefined;
}

export const DEFAULT_STATUS_INTERVAL_SECONDS = 10;
const STALL_INTERVALS = 3;

const lsnText = (value: bigint | null): string | null => (value === null ? null : formatLsn(value));
const behind = (head: bigint | null, position: bigint | null): number | null =>
  head === null || position === null ? null : Number(head > position ? head - position : 0n);

type NodePositions = Pick<NodeFacts, 'currentLsn' | 'receiveLsn' | 'replayLsn'>;

/** The WAL position a node serves its standbys up to: a primary's insert, a standby's received/replayed. */
export const headOf = (facts: NodePositions): bigint | null => {
  if (facts.currentLsn !== null) return facts.currentLsn;
  const { receiveLsn: r, replayLsn: p } = facts;
  return r === null ? p : p === null ? r : r > p ? r : p;
};

/** The same head, read back from a previous report (--watch), so both samples agree on it. */
const headOfReport = (node: NodeReport): bigint | null => {
  const lsn = (text: string | null): bigint | null => (text === null ? null : parseLsn(text));
  return headOf({ currentLsn: lsn(node.currentLsn), receiveLsn: lsn(node.receiveLsn), replayLsn: lsn(node.replayLsn) });
};

/**
 * Whether `node` is the standby behind `upstream`'s WAL sender of this application_name: its
 * WAL receiver uses that name and streams from the upstream's port. (The port alone stands
 * for the address: the receiver may reach by IP a node given here by socket directory.)
 */
const serves = (upstream: NodeSample, node: NodeSample, applicationName: string): boolean =>
  node !== upstream &&
  node.facts?.receiver?.applicationName === applicationName &&
  node.facts.receiver.senderPort === upstream.port;

export const nodeReports = (samples: readonly NodeSample[]): NodeReport[] =>
  samples.map((sample) => {
    const f = sample.facts;
    const receiver = f?.receiver ?? null;
    const connected = samples.find((s) => s.facts?.senders?.some((row) => serves(s, sample, row.applicationName)));
    const upstream =
      receiver === null
        ? null
        : (connected?.id ?? (receiver.senderHost === null ? null : `${receiver.senderHost}:${receiver.senderPort ?? ''}`));
    return {
      id: sample.id,
      role: f === null ? 'unreachable' : f.inRecovery ? 'standby' : 'primary',
      error: sample.error,
      serverVersionNum: f?.serverVersionNum ?? null,
      systemIdentifier: f?.systemIdentifier ?? null,
      timeline: f?.timeline ?? null,
      currentLsn: lsnText(f?.currentLsn ?? null),
      receiveLsn: lsnText(f?.receiveLsn ?? null),
      replayLsn: lsnText(f?.replayLsn ?? null),
      upstream,
      receiverStatus: receiver?.status ?? null,
      unreadable: f?.unreadable ?? [],
    };
  });

const stallOf = (
  upstream: NodeSample,
  row: SenderFacts,
  node: NodeSample | undefined,
  rule: StallRule,
): string | null => {
  const interval = node?.facts?.settings.walReceiverStatusInterval ?? DEFAULT_STATUS_INTERVAL_SECONDS;
  const limit = rule.seconds ?? (interval > 0 ? STALL_INTERVALS * interval : undefined);
  if (limit !== undefined && row.replyAgeSeconds !== null && row.replyAgeSeconds > limit) {
    return `no reply for ${row.replyAgeSeconds.toFixed(1)} s (limit ${limit} s)`;
  }
  const before = rule.previous?.find((s) => s.upstream === upstream.id && s.pid === row.pid);
  const nodeBefore = rule.previousNodes?.find((n) => n.id === upstream.id);
  const head = upstream.facts === null ? null : headOf(upstream.facts);
  const headWas = nodeBefore === undefined ? null : headOfReport(nodeBefore);
  if (before !== undefined && head !== null && headWas !== null && before.lsn.write === lsnText(row.writeLsn)) {
    const moved = head !== headWas;
    const trails = row.writeLsn !== null && row.writeLsn < head;
    if (moved && trails) return `write position ${before.lsn.write} did not move while the upstream's did`;
  }
  return null;
};

export const standbyReports = (samples: readonly NodeSample[], rule: StallRule): StandbyReport[] =>
  samples.flatMap((upstream) => {
    const facts = upstream.facts;
    if (facts === null || facts.senders === null) return [];
    const head = headOf(facts);
    return facts.senders.map((row): StandbyReport => {
      const node = samples.find((s) => serves(upstream, s, row.applicationName));
      const lsn: Positions<string | null> = {
        sent: lsnText(row.sentLsn),
        write: lsnText(row.writeLsn),
        flush: lsnText(row.flushLsn),
        replay: lsnText(row.replayLsn),
      };
      return {
        upstream: upstream.id,
        applicationName: row.applicationName,
        node: node?.id ?? null,
        pid: row.pid,
        clientAddress: row.clientAddress,
        state: row.state,
        syncState: row.syncState,
        syncPriority: row.syncPriority,
        lsn,
        behindBytes: {
          sent: behind(head, row.sentLsn),
          write: behind(head, row.writeLsn),
          flush: behind(head, row.flushLsn),
          replay: behind(head, row.replayLsn),
        },
        lagSeconds: { write: row.writeLagSeconds, flush: row.flushLagSeconds, replay: row.replayLagSeconds },
        replyTime: row.replyTime,
        replyAgeSeconds: row.replyAgeSeconds,
        stalled: stallOf(upstream, row, node, rule),
      };
    });
  });

/** synchronous_standby_names of each primary, against the standbys streaming from it. */
export const synchronousReport = (samples: readonly NodeSample[]): SynchronousReport | null => {
  const primary = samples.find((s) => s.facts !== null && !s.facts.inRecovery);
  const facts = primary?.facts;
  if (primary === undefined || facts == null) return null;
  const setting = facts.settings.synchronousStandbyNames;
  const base = { node: primary.id, setting, waitingCommits: facts.syncWaiters };
  let config;
  try {
    config = parseSyncStandbyNames(setting);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, method: null, required: 0, names: [], streaming: [], error: message };
  }
  if (config === null) return null;
  const parsed = { method: config.method, required: config.required, names: config.names };
  if (facts.senders === null || facts.senders.some((row) => row.state === null)) {
    // States hidden from this role: whether enough stream cannot be told, and is not guessed.
    return { ...base, ...parsed, streaming: [], error: 'cannot tell which standbys stream: WAL sender states are hidden from this role' };
  }
  const streaming = facts.senders
    .filter((row) => row.state === 'streaming' && standbyPriority(config, row.applicationName) > 0)
    .map((row) => row.applicationName);
  return { ...base, ...parsed, streaming, error: null };
};

export const slotReports = (samples: readonly NodeSample[]): SlotReport[] =>
  samples.flatMap((sample) => {
    const facts = sample.facts;
    if (facts === null || facts.slots === null) return [];
    const head = facts.currentLsn ?? facts.replayLsn;
    return facts.slots.map((slot) => ({
      node: sample.id,
      name: slot.name,
      type: slot.type,
      active: slot.active,
      holder: slot.holder,
      restartLsn: lsnText(slot.restartLsn),
      retainedBytes: behind(head, slot.restartLsn),
      walStatus: slot.walStatus,
      safeWalSizeBytes: slot.safeWalSize === null ? null : Number(slot.safeWalSize),
      maxSlotWalKeepSize: facts.settings.maxSlotWalKeepSize,
      temporary: slot.temporary,
    }));
  });

const segmentsBetween = (last: string | null, current: string | null, segSize: number): number | null => {
  if (last === null || current === null) return null;
  try {
    const gap = parseSegmentFileName(current, segSize).segno - parseSegmentFileName(last, segSize).segno - 1n;
    return Number(gap > 0n ? gap : 0n);
  } catch {
    // last_archived_wal may be a history or backup-history file: no segment distance then.
    return null;
  }
};

/** pg_stat_archiver of every node that archives (a primary; a standby with archive_mode=always). */
export const archivingReports = (samples: readonly NodeSample[]): ArchivingReport[] =>
  samples.flatMap((sample) => {
    const facts = sample.facts;
    const a = facts?.archiver;
    if (facts == null || a == null) return [];
    const mode = facts.settings.archiveMode;
    if (mode === 'off' || (facts.inRecovery && mode !== 'always')) return [];
    const lastSegment = a.lastArchivedWal !== null && isSegmentFileName(a.lastArchivedWal) ? a.lastArchivedWal : null;
    return [
      {
        node: sample.id,
        mode,
        archivedCount: a.archivedCount,
        failedCount: a.failedCount,
        lastArchivedWal: a.lastArchivedWal,
        lastArchivedTime: a.lastArchivedTime,
        lastArchivedAgeSeconds: a.lastArchivedAgeSeconds,
        lastFailedWal: a.lastFailedWal,
        lastFailedTime: a.lastFailedTime,
        failing: a.failing,
        currentWalFile: a.currentWalFile,
        segmentsBehind: segmentsBetween(lastSegment, a.currentWalFile, facts.walSegmentSize),
        readyFiles: a.readyCount,
      },
    ];
  });
