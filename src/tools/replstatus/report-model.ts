import type { Unreadable } from './node-facts.js';

/**
 * The report replstatus prints, and the `--json` schema (docs: man replstatus, JSON OUTPUT).
 * Positions are LSN text ("0/3000060"); distances are bytes as JSON numbers; ages and lags
 * are seconds. Fields are added in later versions, never renamed or removed, while `schema`
 * stays the same.
 */
export const REPORT_SCHEMA = 'warmstandby.replstatus/1';

export type Severity = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export interface Report {
  readonly schema: typeof REPORT_SCHEMA;
  readonly time: string;
  /** The worst severity of the findings ("OK" when there are none). */
  readonly status: Severity;
  readonly nodes: readonly NodeReport[];
  readonly standbys: readonly StandbyReport[];
  readonly synchronous: SynchronousReport | null;
  readonly slots: readonly SlotReport[];
  readonly archiving: readonly ArchivingReport[];
  readonly archive: ArchiveReport | null;
  readonly findings: readonly Finding[];
}

export interface NodeReport {
  /** host:port as connected (a socket directory for local sockets). */
  readonly id: string;
  /** "unreachable" when the connection failed: `error` says why. */
  readonly role: 'primary' | 'standby' | 'unreachable';
  readonly error: string | null;
  readonly serverVersionNum: number | null;
  readonly systemIdentifier: string | null;
  readonly timeline: number | null;
  readonly currentLsn: string | null;
  readonly receiveLsn: string | null;
  readonly replayLsn: string | null;
  /** The node it streams from: a connected node's id, or the sender's host:port. */
  readonly upstream: string | null;
  readonly receiverStatus: string | null;
  readonly unreadable: readonly Unreadable[];
}

export interface Positions<T> {
  readonly sent: T;
  readonly write: T;
  readonly flush: T;
  readonly replay: T;
}

/** One WAL sender row: a standby, or a WAL receiver tool (receivewal, basebackup -X stream). */
export interface StandbyReport {
  readonly upstream: string;
  readonly applicationName: string;
  /** The connected node this row serves, when one was given with -d. */
  readonly node: string | null;
  readonly pid: number;
  readonly clientAddress: string | null;
  readonly state: string | null;
  readonly syncState: string | null;
  readonly syncPriority: number | null;
  readonly lsn: Positions<string | null>;
  /** How far each position trails the upstream's current one, in bytes. */
  readonly behindBytes: Positions<number | null>;
  readonly lagSeconds: { readonly write: number | null; readonly flush: number | null; readonly replay: number | null };
  readonly replyTime: string | null;
  readonly replyAgeSeconds: number | null;
  /** Why it is considered stalled; null when it is not. */
  readonly stalled: string | null;
}

export interface SynchronousReport {
  readonly node: string;
  readonly setting: string;
  readonly method: 'priority' | 'quorum' | null;
  readonly required: number;
  readonly names: readonly string[];
  /** application_names of listed standbys that are streaming (candidates for sync). */
  readonly streaming: readonly string[];
  readonly waitingCommits: number | null;
  /** The setting could not be parsed: the reason. */
  readonly error: string | null;
}

export interface SlotReport {
  readonly node: string;
  readonly name: string;
  readonly type: string;
  readonly active: boolean;
  readonly holder: string | null;
  readonly restartLsn: string | null;
  readonly retainedBytes: number | null;
  readonly walStatus: string | null;
  readonly safeWalSizeBytes: number | null;
  readonly maxSlotWalKeepSize: string;
  readonly temporary: boolean;
}

export interface ArchivingReport {
  readonly node: string;
  readonly mode: string;
  readonly archivedCount: number;
  readonly failedCount: number;
  readonly lastArchivedWal: string | null;
  readonly lastArchivedTime: string | null;
  readonly lastArchivedAgeSeconds: number | null;
  readonly lastFailedWal: string | null;
  readonly lastFailedTime: string | null;
  readonly failing: boolean;
  readonly currentWalFile: string | null;
  /** Whole segments between the last archived one and the one being written. */
  readonly segmentsBehind: number | null;
  readonly readyFiles: number | null;
}

export interface ArchiveReport {
  readonly location: string;
  readonly newestSegment: string | null;
  readonly newestBackup: string | null;
  /** Segments missing between the newest backup's start and the newest segment. */
  readonly missingSegments: number | null;
  readonly firstMissing: readonly string[];
  readonly segmentCount: number;
  readonly error: string | null;
}

export interface Finding {
  readonly severity: Exclude<Severity, 'OK'>;
  /** Stable: scripts match on it (see man replstatus, CHECKS). */
  readonly code: string;
  readonly node: string;
  readonly message: string;
}
