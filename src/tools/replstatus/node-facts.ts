import { PgServerError } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { parseLsn } from '../../core/wal/lsn.js';

/**
 * What one server says about itself, read with plain SQL that a role holding only pg_monitor
 * may run. Each group of facts is its own statement: a fact this role may not read is
 * recorded in `unreadable` with the server's reason, and the rest is still read.
 */
export interface NodeFacts {
  readonly serverVersionNum: number;
  readonly inRecovery: boolean;
  readonly systemIdentifier: string | null;
  /** A primary's timeline from its current WAL file; a standby's from what it receives or replays. */
  readonly timeline: number | null;
  /** pg_current_wal_lsn() on a primary; null on a standby. */
  readonly currentLsn: bigint | null;
  readonly receiveLsn: bigint | null;
  readonly replayLsn: bigint | null;
  readonly walSegmentSize: number;
  readonly settings: NodeSettings;
  readonly receiver: ReceiverFacts | null;
  readonly senders: readonly SenderFacts[] | null;
  readonly slots: readonly SlotFacts[] | null;
  readonly archiver: ArchiverFacts | null;
  /** Backends waiting in SyncRep (commits waiting for synchronous standbys). */
  readonly syncWaiters: number | null;
  readonly unreadable: readonly Unreadable[];
}

export interface Unreadable {
  readonly fact: string;
  readonly reason: string;
}

export interface NodeSettings {
  readonly synchronousStandbyNames: string;
  readonly maxSlotWalKeepSize: string;
  readonly archiveMode: string;
  /** Seconds; 0 turns status replies off. */
  readonly walReceiverStatusInterval: number;
}

/** pg_stat_wal_receiver: the standby's side of its upstream connection. */
export interface ReceiverFacts {
  readonly pid: number;
  readonly status: string | null;
  readonly receivedTimeline: number | null;
  readonly flushedLsn: bigint | null;
  readonly lastMessageAgeSeconds: number | null;
  readonly senderHost: string | null;
  readonly senderPort: number | null;
  readonly slotName: string | null;
  /** application_name in its (obfuscated) conninfo: how its upstream names it. */
  readonly applicationName: string | null;
}

/** One row of pg_stat_replication: a WAL sender serving a standby or a WAL receiver tool. */
export interface SenderFacts {
  readonly pid: number;
  readonly applicationName: string;
  readonly clientAddress: string | null;
  readonly state: string | null;
  readonly sentLsn: bigint | null;
  readonly writeLsn: bigint | null;
  readonly flushLsn: bigint | null;
  readonly replayLsn: bigint | null;
  readonly writeLagSeconds: number | null;
  readonly flushLagSeconds: number | null;
  readonly replayLagSeconds: number | null;
  readonly syncPriority: number | null;
  readonly syncState: string | null;
  readonly replyTime: string | null;
  readonly replyAgeSeconds: number | null;
}

export interface SlotFacts {
  readonly name: string;
  readonly type: string;
  readonly active: boolean;
  readonly activePid: number | null;
  readonly holder: string | null;
  readonly restartLsn: bigint | null;
  readonly walStatus: string | null;
  readonly safeWalSize: bigint | null;
  readonly temporary: boolean;
}

export interface ArchiverFacts {
  readonly archivedCount: number;
  readonly lastArchivedWal: string | null;
  readonly lastArchivedTime: string | null;
  readonly lastArchivedAgeSeconds: number | null;
  readonly failedCount: number;
  readonly lastFailedWal: string | null;
  readonly lastFailedTime: string | null;
  /** The last attempt failed: the newest failure is newer than the newest success. */
  readonly failing: boolean;
  readonly currentWalFile: string | null;
  /** `.ready` files in pg_wal/archive_status, when this role may list it. */
  readonly readyCount: number | null;
}

type Row = readonly (string | null)[];

const IDENTITY_SQL = `
SELECT current_setting('server_version_num'), pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END,
       pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(),
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END,
       (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'),
       current_setting('synchronous_standby_names'), current_setting('max_slot_wal_keep_size'),
       current_setting('archive_mode'),
       (SELECT setting FROM pg_settings WHERE name = 'wal_receiver_status_interval')`;

const CONTROL_SQL = `SELECT s.system_identifier, c.timeline_id FROM pg_control_system() s, pg_control_checkpoint() c`;

const RECEIVER_SQL = `
SELECT pid, status, received_tli, flushed_lsn, extract(epoch FROM now() - last_msg_receipt_time),
       sender_host, sender_port, slot_name, conninfo
  FROM pg_stat_wal_receiver`;

const SENDERS_SQL = `
SELECT pid, application_name, host(client_addr), state, sent_lsn, write_lsn, flush_lsn, replay_lsn,
       extract(epoch FROM write_lag), extract(epoch FROM flush_lag), extract(epoch FROM replay_lag),
       sync_priority, sync_state, to_json(reply_time) #>> '{}', extract(epoch FROM now() - reply_time)
  FROM pg_stat_replication ORDER BY application_name, pid`;

const SLOTS_SQL = `
SELECT s.slot_name, s.slot_type, s.active, s.active_pid,
       (SELECT r.application_name FROM pg_stat_replication r WHERE r.pid = s.active_pid),
       s.restart_lsn, s.wal_status, s.safe_wal_size, s.temporary
  FROM pg_replication_slots s ORDER BY s.slot_name`;

const ARCHIVER_SQL = `
SELECT archived_count, last_archived_wal, to_json(last_archived_time) #>> '{}',
       extract(epoch FROM now() - last_archived_time),
       failed_count, last_failed_wal, to_json(last_failed_time) #>> '{}',
       coalesce(last_failed_time > last_archived_time, last_failed_time IS NOT NULL)
  FROM pg_stat_archiver`;

const READY_SQL = `SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'`;

// Other roles' wait events are hidden from a role without pg_read_all_stats: a count of 0
// would then be a guess, so the privilege is asked for too.
const SYNC_WAIT_SQL = `
SELECT (SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'),
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
         OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')`;

const lsn = (text: string | null | undefined): bigint | null => (text == null ? null : parseLsn(text));
const num = (text: string | null | undefined): number | null => (text == null ? null : Number(text));
const bool = (text: string | null | undefined): boolean => text === 't';
const timelineOfWalFile = (name: string | null | undefined): number | null =>
  name == null ? null : Number.parseInt(name.slice(0, 8), 16);

/**
 * The name a WAL receiver goes by upstream, from its conninfo as the server shows it (values
 * may be quoted): application_name, else fallback_application_name (cluster_name or
 * "walreceiver", which the server fills in when primary_conninfo names none). Not the core's
 * parseConnString: the server's libpq writes keywords ours does not know (16 added
 * sslcertmode, load_balance_hosts...), which that strict parser rightly refuses from a user.
 */
export const applicationNameIn = (conninfo: string | null | undefined): string | null => {
  if (conninfo == null) return null;
  const valueOf = (keyword: string): string | undefined => {
    const match = new RegExp(`(?:^|\\s)${keyword}=('(?:[^'\\\\]|\\\\.)*'|\\S*)`).exec(conninfo);
    const value = match?.[1];
    if (value === undefined) return undefined;
    return value.startsWith("'") ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  };
  return valueOf('application_name') ?? valueOf('fallback_application_name') ?? null;
};

const senderOf = (row: Row): SenderFacts => ({
  pid: Number(row[0]),
  applicationName: row[1] ?? '',
  clientAddress: row[2] ?? null,
  state: row[3] ?? null,
  sentLsn: lsn(row[4]),
  writeLsn: lsn(row[5]),
  flushLsn: lsn(row[6]),
  replayLsn: lsn(row[7]),
  writeLagSeconds: num(row[8]),
  flushLagSeconds: num(row[9]),
  replayLagSeconds: num(row[10]),
  syncPriority: num(row[11]),
  syncState: row[12] ?? null,
  replyTime: row[13] ?? null,
  replyAgeSeconds: num(row[14]),
});

const slotOf = (row: Row): SlotFacts => ({
  name: row[0] ?? '',
  type: row[1] ?? '',
  active: bool(row[2]),
  activePid: num(row[3]),
  holder: row[4] ?? null,
  restartLsn: lsn(row[5]),
  walStatus: row[6] ?? null,
  safeWalSize: row[7] == null ? null : BigInt(row[7]),
  temporary: bool(row[8]),
});

const receiverOf = (row: Row): ReceiverFacts => ({
  pid: Number(row[0]),
  status: row[1] ?? null,
  receivedTimeline: num(row[2]),
  flushedLsn: lsn(row[3]),
  lastMessageAgeSeconds: num(row[4]),
  senderHost: row[5] ?? null,
  senderPort: num(row[6]),
  slotName: row[7] ?? null,
  applicationName: applicationNameIn(row[8]),
});

/**
 * Every statement goes in one round trip (a standby's WAL receiver query finds no row on a
 * primary), named by the fact it reads: the identity's error is the connection's, the others'
 * become unreadable facts.
 */
const FACT_SQL = {
  identity: IDENTITY_SQL,
  'control data': CONTROL_SQL,
  'WAL receiver': RECEIVER_SQL,
  'WAL senders': SENDERS_SQL,
  archiver: ARCHIVER_SQL,
  '.ready files': READY_SQL,
  'commits waiting': SYNC_WAIT_SQL,
  'replication slots': SLOTS_SQL,
} as const;
type Fact = keyof typeof FACT_SQL;
const FACTS = Object.keys(FACT_SQL) as Fact[];

export const readNodeFacts = async (connection: PgConnection): Promise<NodeFacts> => {
  const unreadable: Unreadable[] = [];
  const answers = await connection.queryEach(Object.values(FACT_SQL));
  const rowsOf = (fact: Fact): readonly Row[] | null => {
    const answer = answers[FACTS.indexOf(fact)];
    if (answer instanceof PgServerError) {
      if (fact === 'identity') throw answer;
      unreadable.push({ fact, reason: answer.message });
      return null;
    }
    return answer?.[0]?.rows ?? [];
  };
  const id = rowsOf('identity')?.[0] ?? [];
  const inRecovery = bool(id[1]);
  const control = rowsOf('control data')?.[0];
  const receiverRow = inRecovery ? rowsOf('WAL receiver')?.[0] : undefined;
  const receiver = receiverRow === undefined ? null : receiverOf(receiverRow);
  const senders = rowsOf('WAL senders')?.map(senderOf) ?? null;
  if (senders?.some((s) => s.state === null) === true) {
    unreadable.push({ fact: 'WAL sender positions', reason: 'hidden from this role: grant it pg_monitor (or pg_read_all_stats)' });
  }
  const archiverRow = rowsOf('archiver')?.[0];
  // .ready files are counted only where the archiver could be read: the count belongs to it.
  const ready = archiverRow === undefined ? undefined : rowsOf('.ready files')?.[0];
  const waits = rowsOf('commits waiting')?.[0];
  if (waits !== undefined && !bool(waits[1])) {
    unreadable.push({ fact: 'commits waiting', reason: "other roles' wait events are hidden from this role (needs pg_read_all_stats)" });
  }
  const slots = rowsOf('replication slots')?.map(slotOf) ?? null;
  return {
    serverVersionNum: Number(id[0]),
    inRecovery,
    systemIdentifier: control?.[0] ?? null,
    timeline: inRecovery ? (receiver?.receivedTimeline ?? num(control?.[1])) : timelineOfWalFile(id[5]),
    currentLsn: lsn(id[2]),
    receiveLsn: lsn(id[3]),
    replayLsn: lsn(id[4]),
    walSegmentSize: Number(id[6]),
    settings: {
      synchronousStandbyNames: id[7] ?? '',
      maxSlotWalKeepSize: id[8] ?? '-1',
      archiveMode: id[9] ?? 'off',
      walReceiverStatusInterval: Number(id[10] ?? 10),
    },
    receiver,
    senders,
    slots,
    archiver:
      archiverRow === undefined
        ? null
        : {
            archivedCount: Number(archiverRow[0]),
            lastArchivedWal: archiverRow[1] ?? null,
            lastArchivedTime: archiverRow[2] ?? null,
            lastArchivedAgeSeconds: num(archiverRow[3]),
            failedCount: Number(archiverRow[4]),
            lastFailedWal: archiverRow[5] ?? null,
            lastFailedTime: archiverRow[6] ?? null,
            failing: bool(archiverRow[7]),
            currentWalFile: id[5] ?? null,
            readyCount: num(ready?.[0]),
          },
    syncWaiters: waits !== undefined && bool(waits[1]) ? Number(waits[0]) : null,
    unreadable,
  };
};
