import { setTimeout as sleep } from 'node:timers/promises';
import { WarmstandbyError } from '../../core/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { formatLsn, parseLsn } from '../../core/wal/lsn.js';
import { notInStandby } from './sql-errors.js';

/** A standby's replay progress, as --check shows it. */
export interface ReplayState {
  readonly receiveLsn: bigint | null;
  readonly replayLsn: bigint | null;
  /** Received but not yet replayed; 0 when replay is level with (or past) receive. */
  readonly replayLagBytes: bigint | null;
  /** Age of the last replayed transaction while replay trails receive; 0 when level. */
  readonly replayLagSeconds: number | null;
  readonly replayPauseState: string | null;
  readonly walReceiverStatus: string | null;
  /** Whether a WAL receiver process runs (its details may still be hidden from this role). */
  readonly walReceiverRunning: boolean;
  readonly upstream: string | null;
  readonly lastMessageSendTime: string | null;
  readonly lastMessageReceiptTime: string | null;
  readonly lastMessageAgeSeconds: number | null;
  readonly timeline: number | null;
  readonly applyDelay: string | null;
}

// One statement, valid on 14-18. pg_stat_wal_receiver shows its details only to roles with
// pg_read_all_stats; for others those columns are NULL and the check still works from the
// pg_last_wal_* functions, which anyone may call. Its row exists only while a WAL receiver
// runs (no upstream: none), and the pid, the one column every role sees, tells which.
// pg_get_wal_replay_pause_state() fails on a primary, so it is asked only in recovery.
const STATE_QUERY = `
SELECT pg_is_in_recovery(),
       pg_last_wal_receive_lsn(),
       pg_last_wal_replay_lsn(),
       extract(epoch FROM now() - pg_last_xact_replay_timestamp()),
       CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END,
       w.status,
       w.sender_host || ':' || w.sender_port,
       to_json(w.last_msg_send_time) #>> '{}',
       to_json(w.last_msg_receipt_time) #>> '{}',
       extract(epoch FROM now() - w.last_msg_receipt_time),
       coalesce(w.received_tli, (SELECT timeline_id FROM pg_control_checkpoint())),
       current_setting('recovery_min_apply_delay'),
       w.pid IS NOT NULL
  FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS w ON true`;

const lsnOrNull = (text: string | null | undefined): bigint | null => (text == null ? null : parseLsn(text));
const numberOrNull = (text: string | null | undefined): number | null => (text == null ? null : Number(text));

export const readReplayState = async (connection: PgConnection): Promise<ReplayState> => {
  const [result] = await connection.query(STATE_QUERY);
  const row = result?.rows[0];
  if (row === undefined) throw new WarmstandbyError('check-failed', 'Cannot check replay: the server returned no row');
  const [inRecovery, receive, replay, xactAge, pause, status, upstream, sent, received, messageAge, tli, delay, receiving] =
    row;
  if (inRecovery !== 't') throw notInStandby('pg_is_in_recovery() is false: the server is a primary.');
  const receiveLsn = lsnOrNull(receive);
  const replayLsn = lsnOrNull(replay);
  const lagBytes =
    receiveLsn === null || replayLsn === null ? null : receiveLsn > replayLsn ? receiveLsn - replayLsn : 0n;
  const age = numberOrNull(xactAge);
  return {
    receiveLsn,
    replayLsn,
    replayLagBytes: lagBytes,
    replayLagSeconds: lagBytes === null ? null : lagBytes === 0n ? 0 : age === null ? null : Math.max(0, age),
    replayPauseState: pause ?? null,
    walReceiverStatus: status ?? null,
    walReceiverRunning: receiving === 't',
    upstream: upstream ?? null,
    lastMessageSendTime: sent ?? null,
    lastMessageReceiptTime: received ?? null,
    lastMessageAgeSeconds: numberOrNull(messageAge),
    timeline: numberOrNull(tli),
    applyDelay: delay === null || delay === undefined || delay === '0' ? null : delay,
  };
};

export type CheckVerdict =
  | { readonly ok: true; readonly note?: string }
  | { readonly ok: false; readonly reason: string; readonly hint: string };

/**
 * Promotion replays everything already received before it ends recovery, including WAL that
 * replay was held back from (a pause, recovery_min_apply_delay): an operator who paused to
 * stop short of a bad change would get that change. So promotion is refused while replay
 * trails receive; a replay that is merely busy gets `waitSeconds` to catch up with what had
 * been received when the check began.
 */
export const checkReplay = async (
  connection: PgConnection,
  options: { readonly waitSeconds: number; readonly signal?: AbortSignal; readonly pollMs?: number },
): Promise<{ state: ReplayState; verdict: CheckVerdict }> => {
  let state = await readReplayState(connection);
  if (state.receiveLsn === null) {
    return { state, verdict: { ok: true, note: 'nothing received by streaming: replay has nothing to catch up with' } };
  }
  const target = state.receiveLsn;
  const deadline = Date.now() + options.waitSeconds * 1000;
  const paused = (s: ReplayState): boolean => s.replayPauseState !== null && s.replayPauseState !== 'not paused';
  while ((state.replayLsn ?? 0n) < target && !paused(state) && Date.now() < deadline) {
    await sleep(options.pollMs ?? 100, undefined, options.signal === undefined ? {} : { signal: options.signal });
    state = await readReplayState(connection);
  }
  const replay = state.replayLsn ?? 0n;
  if (replay >= target) return { state, verdict: { ok: true } };
  const behind = `replay (${formatLsn(replay)}) trails receive (${formatLsn(target)}) by ${target - replay} bytes`;
  if (paused(state)) {
    return {
      state,
      verdict: {
        ok: false,
        reason: `WAL replay is paused and ${behind}`,
        hint:
          'Promoting ends the pause and first replays all received WAL. Resume with ' +
          'SELECT pg_wal_replay_resume() and check again, or use --force.',
      },
    };
  }
  return {
    state,
    verdict: {
      ok: false,
      reason: `${behind} after waiting ${options.waitSeconds} s`,
      hint:
        (state.applyDelay === null ? '' : `recovery_min_apply_delay is ${state.applyDelay}. `) +
        'Promoting first replays all received WAL; wait for replay to catch up, or use --force.',
    },
  };
};
