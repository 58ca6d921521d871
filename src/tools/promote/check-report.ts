import { formatTable } from '../../core/cli/table.js';
import { type Output, withoutControlChars } from '../../core/cli/output.js';
import { formatLsn } from '../../core/wal/lsn.js';
import type { CheckVerdict, ReplayState } from './replay-check.js';

const lsnText = (lsn: bigint | null): string | null => (lsn === null ? null : formatLsn(lsn));
const seconds = (value: number): string => `${value < 10 ? value.toFixed(1) : Math.round(value)} s`;

const lastMessage = (state: ReplayState): string => {
  if (state.lastMessageAgeSeconds !== null) {
    const from = state.upstream === null ? '' : ` from ${state.upstream}`;
    return `${seconds(state.lastMessageAgeSeconds)} ago${from} (${state.lastMessageReceiptTime ?? ''})`;
  }
  if (!state.walReceiverRunning) {
    return state.receiveLsn === null ? 'none (no WAL received by streaming)' : 'none: the WAL receiver is not running';
  }
  return 'not visible to this role (needs pg_read_all_stats)';
};

/** The --check table: what was received, what was replayed, how far apart, and the verdict. */
export const printCheckTable = (
  out: Output,
  state: ReplayState,
  verdict: CheckVerdict,
  forced: boolean,
): void => {
  const lag =
    state.replayLagBytes === null
      ? 'unknown'
      : `${state.replayLagBytes} bytes` + (state.replayLagSeconds === null ? '' : `, ${seconds(state.replayLagSeconds)}`);
  const rows: string[][] = [
    ['receive LSN', lsnText(state.receiveLsn) ?? 'none (not streaming)'],
    ['replay LSN', lsnText(state.replayLsn) ?? 'none'],
    ['replay lag', lag],
    ['replay', state.replayPauseState ?? 'unknown'],
    ['last message from upstream', lastMessage(state)],
    ['timeline', state.timeline === null ? 'unknown' : String(state.timeline)],
  ];
  if (state.applyDelay !== null) rows.push(['recovery_min_apply_delay', state.applyDelay]);
  const outcome = verdict.ok
    ? `ok${verdict.note === undefined ? '' : ` (${verdict.note})`}`
    : `${forced ? 'forced past' : 'refused'}: ${verdict.reason}`;
  rows.push(['check', outcome]);
  // Values come from the server (the upstream's host, the apply delay): no control characters.
  out.print(formatTable(out, ['standby', 'value'], rows.map((row) => row.map(withoutControlChars))));
};

export const checkJson = (state: ReplayState, verdict: CheckVerdict, forced: boolean): Record<string, unknown> => ({
  ok: verdict.ok,
  forced: !verdict.ok && forced,
  reason: verdict.ok ? (verdict.note ?? null) : verdict.reason,
  receiveLsn: lsnText(state.receiveLsn),
  replayLsn: lsnText(state.replayLsn),
  replayLagBytes: state.replayLagBytes === null ? null : Number(state.replayLagBytes),
  replayLagSeconds: state.replayLagSeconds,
  replayPauseState: state.replayPauseState,
  walReceiverStatus: state.walReceiverStatus,
  upstream: state.upstream,
  lastMessageSendTime: state.lastMessageSendTime,
  lastMessageReceiptTime: state.lastMessageReceiptTime,
  lastMessageAgeSeconds: state.lastMessageAgeSeconds,
  timeline: state.timeline,
  recoveryMinApplyDelay: state.applyDelay,
});
