import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type PgCluster,
  type TlsFixtures,
  describeWithPg,
  lsnFromText,
  startCluster,
  startStandby,
  tlsFixtures,
  waitFor,
} from '../../harness/pg/index.js';
import { runPromote } from './promote-helpers.js';

const USER = 'ws_promoter';
const PASSWORD = 'promote-Pa55word';
const promotedLine = /^waiting for server to promote\.\.\. done\nserver promoted\nnew timeline (\d+) began at ([0-9A-F]+\/[0-9A-F]+) \(previous timeline (\d+)\)\n$/;

describeWithPg('promote -d (over SQL)', (major) => {
  let primary: PgCluster;
  let fixtures: TlsFixtures;
  const standbys: PgCluster[] = [];
  const newStandby = async (name: string): Promise<PgCluster> => {
    const standby = await startStandby(primary, { name: `pg${major}-${name}` });
    standbys.push(standby);
    return standby;
  };
  const tcp = (standby: PgCluster, user = 'postgres', extra = 'sslmode=disable'): string =>
    `host=127.0.0.1 port=${standby.port} user=${user} dbname=postgres ${extra}`;

  /** The switch point recorded in the new timeline's history file, read by the superuser. */
  const historySwitch = async (standby: PgCluster, tli: number): Promise<bigint> => {
    const name = `${tli.toString(16).toUpperCase().padStart(8, '0')}.history`;
    const text = await standby.sql(`SELECT pg_read_file('pg_wal/${name}')`);
    const last = text.trim().split('\n').at(-1) ?? '';
    return lsnFromText(last.split('\t')[1] ?? '');
  };

  beforeAll(async () => {
    fixtures = await tlsFixtures();
    primary = await startCluster(major, {
      name: `pg${major}-promote-remote`,
      tls: true,
      auth: { local: 'trust', host: 'scram-sha-256' },
      user: { name: USER, password: PASSWORD, passwordEncryption: 'scram-sha-256' },
    });
    await primary.sql('CREATE TABLE t (i int)');
  });
  afterAll(async () => {
    for (const standby of standbys) await standby.destroy();
    await primary?.destroy();
  });

  it('over SCRAM: a wrong password changes nothing; the right one promotes and waits', async () => {
    const standby = await newStandby('scram');
    const wrong = await runPromote(['-d', tcp(standby), '--no-password'], { PGPASSWORD: 'not-it' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/password authentication failed for user "postgres"/);
    expect(wrong.stderr).not.toContain('not-it');
    expect(await standby.isInRecovery()).toBe(true);

    const run = await runPromote(['-d', tcp(standby)], { PGPASSWORD: primary.superuserPassword });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(await standby.isInRecovery()).toBe(false);
    const match = promotedLine.exec(run.stdout);
    expect(match, run.stdout).not.toBeNull();
    const tli = Number(match?.[1]);
    expect(tli).toBe(2);
    expect(Number(match?.[3])).toBe(1);
    expect(lsnFromText(match?.[2] ?? '')).toBe(await historySwitch(standby, tli));
    expect(existsSync(join(standby.dataDir, 'promote'))).toBe(false);
  });

  it('over TLS only (hostssl, verify-full): the same', async () => {
    const standby = await newStandby('tls');
    await standby.setHba(['local all all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256']);
    const env = { PGPASSWORD: primary.superuserPassword };
    const plain = await runPromote(['-d', tcp(standby), '--no-password'], env);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/no pg_hba\.conf entry .*no encryption/);
    const conn = `host=localhost port=${standby.port} user=postgres dbname=postgres sslmode=verify-full sslrootcert=${fixtures.caCert}`;
    const run = await runPromote(['-d', conn, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(await standby.isInRecovery()).toBe(false);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ mode: 'remote', promoted: true, waited: true, timeline: 2, previousTimeline: 1 });
  });

  it('-W returns at once and the server leaves recovery soon after', async () => {
    const standby = await newStandby('nowait');
    const run = await runPromote(['-h', '127.0.0.1', '-p', String(standby.port), '-U', 'postgres', '-W'], {
      PGPASSWORD: primary.superuserPassword,
      PGSSLMODE: 'disable',
    });
    expect(run.stderr).toBe('');
    expect([run.status, run.stdout]).toEqual([0, 'server promoting\n']);
    expect(run.ms).toBeLessThan(3000);
    await waitFor(async () => !(await standby.isInRecovery()), { timeoutMs: 30_000, description: 'promotion' });
  });

  it('a primary: "server is not in standby mode", exit 1', async () => {
    const run = await runPromote(['-d', tcp(primary)], { PGPASSWORD: primary.superuserPassword });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^promote: error: cannot promote server; server is not in standby mode\n/);
  });

  it('a primary over -h, with --check and with --json: pg_ctl\'s words, and the refusal as JSON', async () => {
    const env = { PGPASSWORD: primary.superuserPassword, PGSSLMODE: 'disable' };
    const byHost = ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres'];
    for (const extra of [[], ['--check']]) {
      const run = await runPromote([...byHost, ...extra], env);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^promote: error: cannot promote server; server is not in standby mode\n/);
      expect(run.stderr).not.toContain('recovery is not in progress\n');
    }
    const json = await runPromote([...byHost, '--check', '--json'], env);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ promoted: false, error: { code: 'not-in-standby' } });
  });

  it('--check with the upstream gone: the WAL receiver is not running, not "not visible"', async () => {
    const standby = await newStandby('orphan');
    await standby.sql("ALTER SYSTEM SET primary_conninfo = 'host=/nonexistent port=1'");
    await standby.reload();
    await waitFor(async () => (await standby.sql('SELECT count(*) FROM pg_stat_wal_receiver')) === '0', {
      timeoutMs: 30_000, description: 'the WAL receiver to stop',
    });
    const run = await runPromote(['-d', tcp(standby), '--dry-run'], { PGPASSWORD: primary.superuserPassword });
    expect(run.stdout).toMatch(/last message from upstream\s+none: the WAL receiver is not running/);
    expect(run.stdout).not.toContain('pg_read_all_stats');
  });

  it('a role without EXECUTE on pg_promote gets told so; after GRANT it promotes', async () => {
    const standby = await newStandby('grant');
    const env = { PGPASSWORD: PASSWORD };
    const denied = await runPromote(['-d', tcp(standby, USER)], env);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toBe(
      `promote: error: Cannot promote: role "${USER}" may not execute pg_promote() (permission denied for function pg_promote)\n` +
        `promote: hint: Connect as a superuser, or have one run: GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer) TO "${USER}";\n`,
    );
    expect(await standby.isInRecovery()).toBe(true);

    await primary.sql(`GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer) TO ${USER}`);
    const granted = lsnFromText(await primary.sql('SELECT pg_current_wal_lsn()'));
    await waitFor(async () => lsnFromText(await standby.sql('SELECT pg_last_wal_replay_lsn()')) >= granted);
    const run = await runPromote(['-d', tcp(standby, USER)], env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // This role may not read the history file: the start comes from the last replayed LSN,
    // which must be the switch point the server recorded.
    const match = promotedLine.exec(run.stdout);
    expect(match, run.stdout).not.toBeNull();
    expect(lsnFromText(match?.[2] ?? '')).toBe(await historySwitch(standby, Number(match?.[1])));
    await primary.sql(`REVOKE EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer) FROM ${USER}`);
  });

  it('--check refuses while replay is paused behind receive, and passes after resume', async () => {
    const standby = await newStandby('check');
    const conn = tcp(standby);
    const env = { PGPASSWORD: primary.superuserPassword };
    await standby.sql('SELECT pg_wal_replay_pause()');
    await primary.sql('INSERT INTO t SELECT generate_series(1, 5000)');
    const written = lsnFromText(await primary.sql('SELECT pg_current_wal_lsn()'));
    await waitFor(async () => lsnFromText(await standby.sql('SELECT pg_last_wal_receive_lsn()')) >= written, {
      description: 'the standby to receive the insert',
    });
    const [receive, replay] = (await standby.sql('SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()'))
      .split('|')
      .map(lsnFromText);
    expect(receive).toBeGreaterThan(replay ?? 0n);

    const refused = await runPromote(['-d', conn, '--check'], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^promote: error: Cannot promote: WAL replay is paused and replay \([0-9A-F/]+\) trails receive \([0-9A-F/]+\) by \d+ bytes\npromote: hint: Promoting ends the pause/,
    );
    expect(refused.stdout).toMatch(/receive LSN\s+[0-9A-F]+\/[0-9A-F]+/);
    expect(refused.stdout).toMatch(/replay\s+paused/);
    expect(refused.stdout).toMatch(/check\s+refused: WAL replay is paused/);
    expect(await standby.isInRecovery()).toBe(true);

    const asJson = await runPromote(['-d', conn, '--check', '--json'], env);
    expect(asJson.status).toBe(1);
    const doc = JSON.parse(asJson.stdout) as { promoted: boolean; check: Record<string, unknown>; refused: string };
    expect(doc.promoted).toBe(false);
    expect(doc.check).toMatchObject({ ok: false, replayPauseState: 'paused', walReceiverStatus: 'streaming', timeline: 1 });
    expect(Number(doc.check['replayLagBytes'])).toBeGreaterThan(0);
    expect(doc.refused).toMatch(/paused/);
    expect(await standby.isInRecovery()).toBe(true);

    await standby.sql('SELECT pg_wal_replay_resume()');
    const passed = await runPromote(['-d', conn, '--check'], env);
    expect(passed.stderr).toBe('');
    expect(passed.status).toBe(0);
    expect(passed.stdout).toMatch(/check\s+ok\s*\n/);
    expect(passed.stdout).toMatch(/server promoted\nnew timeline 2 began at /);
    expect(await standby.isInRecovery()).toBe(false);
    expect(await standby.sql('SELECT count(*) FROM t')).toBe('5000');
  });

  it('--check --force promotes past a paused replay, with a warning', async () => {
    const standby = await newStandby('force');
    await standby.sql('SELECT pg_wal_replay_pause()');
    await primary.sql('INSERT INTO t SELECT generate_series(1, 100)');
    const written = lsnFromText(await primary.sql('SELECT pg_current_wal_lsn()'));
    await waitFor(async () => lsnFromText(await standby.sql('SELECT pg_last_wal_receive_lsn()')) >= written);
    const run = await runPromote(['-d', tcp(standby), '--check', '--force', '-s'], {
      PGPASSWORD: primary.superuserPassword,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^promote: warning: promoting anyway \(--force\): WAL replay is paused/);
    expect(await standby.isInRecovery()).toBe(false);
  });

  it('-D --check reaches the local server through the socket in postmaster.pid', async () => {
    const standby = await newStandby('local-check');
    const dry = await runPromote(['-D', standby.dataDir, '--dry-run', '--json', '-U', 'postgres']);
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    const doc = JSON.parse(dry.stdout) as { promoted: boolean; dryRun: boolean; check: Record<string, unknown> };
    expect(doc).toMatchObject({ promoted: false, dryRun: true, check: { ok: true, replayLagBytes: 0 } });
    expect(await standby.isInRecovery()).toBe(true);

    const run = await runPromote(['-D', standby.dataDir, '--check', '-U', 'postgres']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/check\s+ok[\s\S]*server promoted\n/);
    expect(await standby.isInRecovery()).toBe(false);
  });
});
