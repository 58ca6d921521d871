import { PgServerError } from '../../core/pg/connection/errors.js';
import type { PgNotice } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { type TimelineSwitch, timelineSwitchFromHistory } from '../../core/pg/server-files/timeline-switch.js';
import { historyFileName } from '../../core/wal/segment-name.js';
import { parseLsn } from '../../core/wal/lsn.js';
import { didNotPromote } from './local-promote.js';
import { explainPromoteError, notInStandby } from './sql-errors.js';

export interface RemotePromoteRequest {
  readonly connection: PgConnection;
  readonly user: string;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  /** Called just before pg_promote() when it will wait. */
  readonly onWaitStart?: () => void;
}

export interface RemotePromoteResult {
  readonly promoted: boolean;
  readonly timelineSwitch?: TimelineSwitch;
  /** How the start of the new timeline was learnt. */
  readonly timelineSource?: 'history-file' | 'last-replayed-lsn';
}

const first = async (connection: PgConnection, sql: string): Promise<string | null> => {
  const [result] = await connection.query(sql);
  return result?.rows[0]?.[0] ?? null;
};

/**
 * SELECT pg_promote(wait, wait_seconds) on the server. pg_promote needs a positive wait, so
 * -t 0 sends the request without waiting and then reports the timeout at once, as pg_ctl -t 0
 * does. A false result with wait means the server's own wait ran out (it also sends a
 * WARNING, which is not repeated).
 */
export const promoteRemote = async (request: RemotePromoteRequest): Promise<RemotePromoteResult> => {
  const { connection } = request;
  if ((await first(connection, 'SELECT pg_is_in_recovery()')) !== 't') {
    throw notInStandby('pg_is_in_recovery() is false: the server is a primary, or already promoted.');
  }
  // The timeline being replayed, for when the new history file cannot be read afterwards.
  const followed = Number(
    await first(
      connection,
      'SELECT coalesce((SELECT received_tli FROM pg_stat_wal_receiver), ' +
        '(SELECT timeline_id FROM pg_control_checkpoint()))',
    ),
  );
  const wait = request.wait && request.timeoutSeconds > 0;
  const notices: PgNotice[] = [];
  const onNotice = (notice: PgNotice): void => {
    notices.push(notice);
  };
  connection.on('notice', onNotice);
  if (request.wait) request.onWaitStart?.();
  let answer: string | null;
  try {
    answer = await first(connection, `SELECT pg_promote(${wait}, ${Math.max(1, request.timeoutSeconds)})`);
  } catch (error) {
    throw explainPromoteError(error, request.user);
  } finally {
    connection.off('notice', onNotice);
  }
  if (request.wait && !wait) throw didNotPromote('The promote request stays in place: the server may still finish promoting later.');
  if (answer !== 't') {
    const warning = notices.find((n) => n.severity === 'WARNING')?.message;
    throw didNotPromote(
      `${warning === undefined ? '' : `The server says: ${warning}. `}The promote request stays in place: ` +
        'the server may still finish promoting later.',
    );
  }
  if (!request.wait) return { promoted: false };
  return { promoted: true, ...(await learnNewTimeline(connection, followed)) };
};

/**
 * The new timeline is the one of the WAL now being written. Where it began is the last line
 * of its history file when the role may read it (pg_read_file: superusers and
 * pg_read_server_files); otherwise the end of the last record replayed during recovery,
 * which is the same point: the promotion starts the new timeline right after it.
 */
const learnNewTimeline = async (
  connection: PgConnection,
  followedTimeline: number,
): Promise<Pick<RemotePromoteResult, 'timelineSwitch' | 'timelineSource'>> => {
  const walFile = await first(connection, 'SELECT pg_walfile_name(pg_current_wal_lsn())');
  if (walFile === null || !/^[0-9A-F]{24}$/.test(walFile)) return {};
  const timeline = Number.parseInt(walFile.slice(0, 8), 16);
  try {
    const history = await first(connection, `SELECT pg_read_file('pg_wal/${historyFileName(timeline)}')`);
    const fromHistory = history === null ? undefined : timelineSwitchFromHistory(timeline, history);
    if (fromHistory !== undefined) return { timelineSwitch: fromHistory, timelineSource: 'history-file' };
  } catch (error) {
    if (!(error instanceof PgServerError)) throw error;
  }
  const replayed = await first(connection, 'SELECT pg_last_wal_replay_lsn()');
  if (replayed === null || !(followedTimeline > 0 && followedTimeline < timeline)) return {};
  return {
    timelineSwitch: { timeline, previousTimeline: followedTimeline, startLsn: parseLsn(replayed) },
    timelineSource: 'last-replayed-lsn',
  };
};
