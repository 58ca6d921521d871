import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../../src/core/cli/output.js';
import { PgServerError } from '../../../../src/core/pg/connection/errors.js';
import { checkJson, printCheckTable } from '../../../../src/tools/promote/check-report.js';
import type { ReplayState } from '../../../../src/tools/promote/replay-check.js';
import { explainPromoteError } from '../../../../src/tools/promote/sql-errors.js';

describe('pg_promote() errors', () => {
  // The ErrorResponse fields PostgreSQL sends for these two cases.
  const denied = new PgServerError({ S: 'ERROR', V: 'ERROR', C: '42501', M: 'permission denied for function pg_promote' });
  const primary = new PgServerError({ S: 'ERROR', V: 'ERROR', C: '55000', M: 'recovery is not in progress', H: 'Recovery control functions can only be executed during recovery.' });

  it('names the GRANT a role without EXECUTE needs, quoting the role', () => {
    const error = explainPromoteError(denied, 'we"ird') as Error & { hint: string; code: string };
    expect(error.code).toBe('promote-permission');
    expect(error.message).toBe('Cannot promote: role "we"ird" may not execute pg_promote() (permission denied for function pg_promote)');
    expect(error.hint).toContain('TO "we""ird";');
  });

  it('answers "recovery is not in progress" with pg_ctl\'s message', () => {
    const error = explainPromoteError(primary, 'postgres') as Error;
    expect(error.message).toBe('cannot promote server; server is not in standby mode');
  });

  it('passes other errors through untouched', () => {
    const other = new PgServerError({ C: '57P01', M: 'terminating connection due to administrator command' });
    expect(explainPromoteError(other, 'x')).toBe(other);
  });
});

describe('--check report', () => {
  const state: ReplayState = {
    receiveLsn: 0x30659c0n,
    replayLsn: 0x30173f0n,
    replayLagBytes: 0x30659c0n - 0x30173f0n,
    replayLagSeconds: 1.32,
    replayPauseState: 'paused',
    walReceiverStatus: 'streaming',
    walReceiverRunning: true,
    upstream: 'db1:5432',
    lastMessageSendTime: '2026-11-21T14:50:48.730975+00:00',
    lastMessageReceiptTime: '2026-11-21T14:50:48.73128+00:00',
    lastMessageAgeSeconds: 0.65,
    timeline: 1,
    applyDelay: null,
  };
  const verdict = { ok: false, reason: 'WAL replay is paused', hint: 'resume' } as const;

  it('prints one row per fact and the verdict', () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (c: Buffer) => (text += c.toString()));
    printCheckTable(createOutput('promote', { stdout, stderr: new PassThrough(), env: {}, cwd: '/' }), state, verdict, false);
    const rows = text.split('\n').map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toContainEqual(['receive LSN', '0/30659C0']);
    expect(rows).toContainEqual(['replay LSN', '0/30173F0']);
    expect(rows).toContainEqual(['replay lag', '320976 bytes, 1.3 s']);
    expect(rows).toContainEqual(['replay', 'paused']);
    expect(rows).toContainEqual(['last message from upstream', '0.7 s ago from db1:5432 (2026-11-21T14:50:48.73128+00:00)']);
    expect(rows).toContainEqual(['timeline', '1']);
    expect(rows).toContainEqual(['check', 'refused: WAL replay is paused']);
  });

  it('gives scripts the same values in JSON', () => {
    expect(checkJson(state, verdict, true)).toMatchObject({
      ok: false,
      forced: true,
      receiveLsn: '0/30659C0',
      replayLsn: '0/30173F0',
      replayLagBytes: 320976,
      replayPauseState: 'paused',
      timeline: 1,
    });
  });
});
