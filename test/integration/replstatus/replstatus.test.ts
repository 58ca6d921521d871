import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type PgCluster,
  chownToServerUser,
  describeWithPg,
  generateWal,
  lsnFromText,
  makeTempDir,
  removeTempDir,
  startCluster,
  startStandby,
  switchWal,
  waitFor,
} from '../../harness/pg/index.js';
import { clientEnv, connectionArgs, exitOf, spawnReceivewal } from '../receivewal/helpers.js';
import { type ReplstatusRun, parseExposition, runReplstatus } from './helpers.js';

interface JsonReport {
  status: string;
  nodes: { id: string; role: string; timeline: number; currentLsn: string | null; receiveLsn: string | null; upstream: string | null; unreadable: { fact: string }[] }[];
  standbys: { upstream: string; applicationName: string; node: string | null; syncState: string; lsn: Record<string, string | null>; stalled: string | null }[];
  synchronous: { required: number; streaming: string[]; waitingCommits: number | null } | null;
  slots: { name: string; walStatus: string | null; active: boolean }[];
  archiving: { node: string; failing: boolean; archivedCount: number; lastArchivedWal: string | null }[];
  archive: { newestSegment: string | null; missingSegments: number | null; error: string | null } | null;
  findings: { severity: string; code: string; message: string }[];
}

const parse = (run: ReplstatusRun): JsonReport => JSON.parse(run.stdout) as JsonReport;
const codes = (report: JsonReport): string[] => report.findings.map((f) => f.code).sort();
const between = (value: string | null | undefined, low: bigint, high: bigint): boolean =>
  value != null && lsnFromText(value) >= low && lsnFromText(value) <= high;

/**
 * A primary with a standby (A) that a second standby (B) cascades from, receivewal as the
 * synchronous standby, and an archive directory. Each test breaks one thing the way it breaks
 * in production and checks that replstatus --check names it with the right status.
 */
describeWithPg('replstatus', (major) => {
  let primary: PgCluster;
  let a: PgCluster;
  let b: PgCluster;
  let receiver: ReturnType<typeof spawnReceivewal> | undefined;
  let walDir: string;
  let archiveDir: string;
  const appA = `pg${major}_rs_a`;
  const appB = `pg${major}_rs_b`;
  const dsn = (c: PgCluster, user = 'postgres'): string => `host=${c.host} port=${c.port} user=${user} dbname=postgres`;
  const all = (): string[] => ['-d', dsn(primary), '-d', dsn(a), '-d', dsn(b)];
  const replyRow = (app: string) =>
    primary.sql(`SELECT sync_state FROM pg_stat_replication WHERE application_name = '${app}'`);

  beforeAll(async () => {
    archiveDir = makeTempDir('ws-rs-archive-');
    await chownToServerUser(archiveDir);
    primary = await startCluster(major, {
      name: `pg${major}-rs`,
      walSegmentSizeMB: 1,
      archive: { command: `test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f` },
      conf: ['wal_receiver_status_interval = 1'],
    });
    a = await startStandby(primary, { name: `pg${major}-rs-a`, conf: ['wal_receiver_status_interval = 1'] });
    b = await startStandby(a, { name: `pg${major}-rs-b`, conf: ['wal_receiver_status_interval = 1'] });
    walDir = makeTempDir('ws-rs-receivewal-');
    receiver = spawnReceivewal(['-D', walDir, '--synchronous', ...connectionArgs(primary)], clientEnv(primary));
    // Quoted and in another case: the server matches names case-insensitively.
    await primary.sql(`ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (receivewal, "${appA.toUpperCase()}")'`);
    await primary.sql('SELECT pg_reload_conf()');
    await waitFor(async () => (await replyRow('receivewal')) === 'sync', { timeoutMs: 60_000, description: 'receivewal to be synchronous' });
    await waitFor(async () => (await b.sql('SELECT status FROM pg_stat_wal_receiver')) === 'streaming', { timeoutMs: 60_000, description: 'B to stream' });
    // A base backup's start and stop, in one session: its .backup file is where the archive's
    // gap check begins.
    await primary.sql(
      major >= 15
        ? "SELECT pg_backup_start('rs', true) \\g /dev/null\nSELECT lsn FROM pg_backup_stop() \\g /dev/null"
        : "SELECT pg_start_backup('rs', true, false) \\g /dev/null\nSELECT lsn FROM pg_stop_backup(false) \\g /dev/null",
    );
    await switchWal(primary);
  }, 240_000);

  afterAll(async () => {
    if (receiver !== undefined) {
      receiver.kill('SIGTERM');
      await exitOf(receiver);
    }
    await b?.destroy();
    await a?.destroy();
    await primary?.destroy();
    for (const dir of [walDir, archiveDir]) if (dir !== undefined) removeTempDir(dir);
  });

  it('a healthy setup: OK, the topology, and the positions SQL reports on each node', async () => {
    await waitFor(async () => (await primary.sql('SELECT last_archived_wal IS NOT NULL FROM pg_stat_archiver')) === 't', { description: 'the first archived segment' });
    const rowSql = `SELECT sent_lsn, write_lsn, flush_lsn, replay_lsn FROM pg_stat_replication WHERE application_name = '${appA}'`;
    const rowBefore = (await primary.sqlRows(rowSql))[0] ?? [];
    const before = lsnFromText(await primary.sql('SELECT pg_current_wal_lsn()'));
    const beforeA = lsnFromText(await a.sql('SELECT pg_last_wal_receive_lsn()'));
    const run = await runReplstatus([...all(), '--json', '--check', '--archive', archiveDir]);
    const after = lsnFromText(await primary.sql('SELECT pg_current_wal_lsn()'));
    const afterA = lsnFromText(await a.sql('SELECT pg_last_wal_receive_lsn()'));
    const rowAfter = (await primary.sqlRows(rowSql))[0] ?? [];
    const report = parse(run);
    expect(report.findings, run.stdout).toEqual([]);
    expect(run.status).toBe(0);
    const [p, na, nb] = report.nodes;
    expect([p?.role, na?.role, nb?.role]).toEqual(['primary', 'standby', 'standby']);
    expect(report.nodes.map((n) => n.timeline)).toEqual([1, 1, 1]);
    expect(na?.upstream).toBe(p?.id);
    expect(nb?.upstream).toBe(na?.id);
    expect(between(p?.currentLsn, before, after)).toBe(true);
    expect(between(na?.receiveLsn, beforeA, afterA)).toBe(true);
    const rowA = report.standbys.find((s) => s.applicationName === appA);
    const rowB = report.standbys.find((s) => s.applicationName === appB);
    const rowR = report.standbys.find((s) => s.applicationName === 'receivewal');
    expect(rowA).toMatchObject({ upstream: p?.id, node: na?.id, syncState: 'potential', stalled: null });
    expect(rowB).toMatchObject({ upstream: na?.id, node: nb?.id, syncState: 'async' });
    expect(rowR).toMatchObject({ upstream: p?.id, node: null, syncState: 'sync' });
    (['sent', 'write', 'flush', 'replay'] as const).forEach((position, i) => {
      const low = lsnFromText(rowBefore[i] ?? '0/0');
      const high = lsnFromText(rowAfter[i] ?? '0/0');
      expect(between(rowA?.lsn[position], low, high), `${position} ${rowA?.lsn[position]} in ${low}..${high}`).toBe(true);
    });
    expect(report.synchronous).toMatchObject({ required: 1, waitingCommits: 0 });
    expect([...(report.synchronous?.streaming ?? [])].sort()).toEqual([appA, 'receivewal'].sort());
    const archived = readdirSync(archiveDir).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    expect(report.archive).toMatchObject({ newestSegment: archived.at(-1), missingSegments: 0, error: null });
    expect(report.archiving[0]).toMatchObject({ node: p?.id, failing: false });
  });

  it('--check without --json: the plugin summary line first; plain text when not a TTY', async () => {
    const run = await runReplstatus([...all(), '--check']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^REPLSTATUS OK - 3 node\(s\), 3 WAL receiver\(s\)/);
    expect(run.stdout).toContain(`└─ ${appA}`);
    expect(run.stdout).not.toMatch(/\u001b\[/);
  });

  it('--prometheus: parses, one TYPE per metric, postgres_exporter names where it has them', async () => {
    const run = await runReplstatus([...all(), '--prometheus']);
    expect(run.status).toBe(0);
    const metrics = parseExposition(run.stdout);
    expect(metrics.get('pg_up')?.samples).toHaveLength(3);
    const lag = metrics.get('pg_stat_replication_pg_wal_lsn_diff');
    expect(lag?.type).toBe('gauge');
    expect(lag?.samples.map((s) => s.labels['application_name']).sort()).toEqual([appA, appB, 'receivewal'].sort());
    expect(metrics.get('warmstandby_sync_standbys_required')?.samples[0]?.value).toBe(1);
    expect(metrics.get('pg_stat_archiver_archived_count')?.type).toBe('counter');
  });

  it('a role holding only pg_monitor reads everything that matters; a plain role is told what it cannot read', async () => {
    await primary.sql('CREATE ROLE rs_monitor LOGIN IN ROLE pg_monitor');
    await primary.sql('CREATE ROLE rs_plain LOGIN');
    await waitFor(async () => (await b.sql("SELECT count(*) FROM pg_roles WHERE rolname = 'rs_plain'")) === '1', { description: 'roles on B' });
    const monitor = parse(await runReplstatus(['-d', dsn(primary, 'rs_monitor'), '-d', dsn(a, 'rs_monitor'), '--json', '--check']));
    expect(monitor.status).toBe('OK');
    expect(monitor.standbys.every((s) => s.lsn['flush'] !== null)).toBe(true);
    expect(monitor.nodes.flatMap((n) => n.unreadable.map((u) => u.fact))).not.toContain('WAL sender positions');
    const plainRun = await runReplstatus(['-d', dsn(primary, 'rs_plain'), '--json']);
    expect(plainRun.status).toBe(0);
    const facts = parse(plainRun).nodes[0]?.unreadable.map((u) => u.fact);
    expect(facts).toEqual(expect.arrayContaining(['WAL sender positions', '.ready files']));
    expect(parse(plainRun).findings.map((f) => f.code)).not.toContain('sync-shortfall');
  });

  it("a stalled standby (its walreceiver stopped with SIGSTOP) is WARNING, not '0 lag'", async () => {
    const pid = Number(await b.sql('SELECT pid FROM pg_stat_wal_receiver'));
    process.kill(pid, 'SIGSTOP');
    try {
      // B replies every second: three intervals without a reply is a stall.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      const run = await runReplstatus([...all(), '--json', '--check']);
      const report = parse(run);
      expect(run.status, run.stdout).toBe(1);
      expect(codes(report)).toEqual(['standby-stalled']);
      expect(report.standbys.find((s) => s.applicationName === appB)?.stalled).toMatch(/no reply for/);
      expect(report.standbys.find((s) => s.applicationName === appA)?.stalled).toBeNull();
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(
      async () => (await a.sql(`SELECT now() - reply_time < interval '2 s' FROM pg_stat_replication WHERE application_name = '${appB}'`)) === 't',
      { description: 'B to reply again' },
    );
  });

  it('synchronous_standby_names asking for more than stream: CRITICAL, with the commits waiting', async () => {
    // Created first: from the change on, every commit waits, this one too.
    await primary.sql('CREATE TABLE rs_probe (i int)');
    await primary.sql(`ALTER SYSTEM SET synchronous_standby_names = 'ANY 3 (receivewal, ${appA}, nosuch)'`);
    await primary.sql('SELECT pg_reload_conf()');
    const waiting = primary.sql('INSERT INTO rs_probe VALUES (1)');
    try {
      await waitFor(async () => (await primary.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")) === '1', { description: 'a commit waiting' });
      const run = await runReplstatus([...all(), '--json', '--check']);
      const report = parse(run);
      expect(run.status, run.stdout).toBe(2);
      expect(codes(report)).toEqual(['sync-shortfall']);
      expect(report.synchronous).toMatchObject({ required: 3, waitingCommits: 1 });
      expect(report.standbys.find((s) => s.applicationName === appA)?.syncState).toBe('quorum');
    } finally {
      await primary.sql(`ALTER SYSTEM SET synchronous_standby_names = 'receivewal'`);
      await primary.sql('SELECT pg_reload_conf()');
    }
    await waiting;
  });

  it('a failing archiver is WARNING; the archive itself is read and compared', async () => {
    await primary.sql("ALTER SYSTEM SET archive_command = 'exit 1'");
    await primary.sql('SELECT pg_reload_conf()');
    const { segment } = await switchWal(primary);
    await waitFor(async () => (await primary.sql('SELECT last_failed_wal FROM pg_stat_archiver')) === segment, { description: `${segment} to fail` });
    const run = await runReplstatus([...all(), '--json', '--check', '--archive', archiveDir]);
    const report = parse(run);
    expect(run.status, run.stdout).toBe(1);
    expect(codes(report)).toEqual(['archiver-failing']);
    expect(report.archiving[0]).toMatchObject({ failing: true });
    // A segment removed from the archive behind the server's back is a gap.
    const archived = readdirSync(archiveDir).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    const hole = archived.at(-2);
    expect(hole).toBeDefined();
    mkdirSync(join(archiveDir, 'moved'));
    renameSync(join(archiveDir, hole as string), join(archiveDir, 'moved', hole as string));
    const gap = parse(await runReplstatus([...all(), '--json', '--check', '--archive', archiveDir]));
    expect(codes(gap)).toEqual(['archive-gap', 'archiver-failing']);
    expect(gap.archive?.missingSegments).toBe(1);
  });

  it('a slot that lost its WAL (max_slot_wal_keep_size) is CRITICAL; an inactive one pinning WAL is WARNING', async () => {
    await primary.sql("SELECT pg_create_physical_replication_slot('rs_idle', true)");
    const idle = parse(await runReplstatus([...all(), '--json', '--check']));
    expect(codes(idle)).toEqual(expect.arrayContaining(['slot-inactive']));
    await primary.sql("ALTER SYSTEM SET max_slot_wal_keep_size = '2MB'");
    await primary.sql("ALTER SYSTEM SET wal_keep_size = '0'");
    await primary.sql('SELECT pg_reload_conf()');
    await waitFor(
      async () => {
        await generateWal(primary, 3 * 1024 * 1024, { method: 'message' });
        await primary.sql('CHECKPOINT');
        return (await primary.sql("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'rs_idle'")) === 'lost';
      },
      { timeoutMs: 60_000, description: 'the slot to be lost' },
    );
    const run = await runReplstatus([...all(), '--json', '--check']);
    const report = parse(run);
    expect(run.status, run.stdout).toBe(2);
    expect(codes(report)).toContain('slot-lost');
    expect(report.slots.find((s) => s.name === 'rs_idle')).toMatchObject({ walStatus: 'lost', active: false });
    await primary.sql("SELECT pg_drop_replication_slot('rs_idle')");
  }, 120_000);

  it('B promoted: two primaries of one system are CRITICAL, B on timeline 2', async () => {
    await b.promote();
    await waitFor(async () => (await b.sql('SELECT pg_is_in_recovery()')) === 'f', { description: 'B to promote' });
    const report = parse(await runReplstatus([...all(), '--json', '--check']));
    expect(report.nodes.find((n) => n.id.endsWith(`:${b.port}`))?.timeline).toBe(2);
    expect(codes(report)).toContain('two-primaries');
    expect(report.status).toBe('CRITICAL');
  });
});

it('no node reachable: --check says UNKNOWN (3); without --check the report could not be made (1)', async () => {
  const dir = makeTempDir('ws-rs-none-');
  try {
    const check = await runReplstatus(['-d', `host=${dir} port=1`, '--check']);
    expect(check.status).toBe(3);
    expect(check.stdout.split('\n')[0]).toBe('REPLSTATUS UNKNOWN - 1 problem(s); node-unreachable: cannot connect: ' +
      `connection to server on socket "${dir}/.s.PGSQL.1" failed: No such file or directory`);
    const plain = await runReplstatus(['-d', `host=${dir} port=1`]);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toBe('replstatus: error: no node could be reached\n');
  } finally {
    removeTempDir(dir);
  }
});
