import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  baseEnv,
  describeWithPg,
  generateWal,
  lsnFromText,
  requireTool,
  runProcess,
  startCluster,
  startStandby,
  switchWal,
  waitForReplay,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';

describeWithPg('harness: primary and standbys', (major) => {
  let primary: PgCluster;
  const others: PgCluster[] = [];

  beforeAll(async () => {
    primary = await startCluster(major, { name: `pg${major}-harness-primary` });
  });
  afterAll(async () => {
    for (const cluster of others.reverse()) await cluster.destroy();
    await primary?.destroy();
  });

  it('runs the requested major and answers over the unix socket and TCP', async () => {
    expect(await primary.sql('SHOW server_version_num')).toMatch(new RegExp(`^${major}\\d{4}$`));
    expect(primary.version.startsWith(`${major}.`)).toBe(true);
    expect(existsSync(join(primary.host, `.s.PGSQL.${primary.port}`))).toBe(true);
    const tcp = await primary.psql('SELECT inet_server_addr(), inet_server_port()', { via: 'tcp' });
    expect(tcp.stderr).toBe('');
    expect(tcp.stdout.trim()).toBe(`127.0.0.1|${primary.port}`);
    const socket = await primary.psql('SELECT inet_server_addr() IS NULL');
    expect(socket.stdout.trim()).toBe('t');
    // clientEnv() alone is enough for a libpq client spawned with a minimal environment.
    const viaEnv = await runProcess(requireTool('psql'), ['-X', '-At', '-c', 'SELECT current_user, inet_server_port()'], {
      env: baseEnv(primary.clientEnv({ via: 'tcp' })),
    });
    expect(viaEnv.stderr).toBe('');
    expect(viaEnv.stdout.trim()).toBe(`postgres|${primary.port}`);
  });

  it('returns rows with NULLs, separators and newlines intact', async () => {
    const rows = await primary.sqlRows("SELECT 'a|b', NULL, E'line1\\nline2' UNION ALL SELECT '', 'x', ''");
    expect(rows).toEqual([
      ['a|b', null, 'line1\nline2'],
      ['', 'x', ''],
    ]);
    expect(await primary.sqlRows('SELECT 1 WHERE false')).toEqual([]);
  });

  it('generates about the requested amount of WAL and switches segments', async () => {
    const range = await generateWal(primary, 3 * 1024 * 1024);
    expect(range.end - range.start).toBeGreaterThanOrEqual(3n * 1024n * 1024n);
    expect(range.end - range.start).toBeLessThan(6n * 1024n * 1024n);
    expect(lsnFromText(range.endText)).toBe(range.end);
    const message = await generateWal(primary, 2 * 1024 * 1024, { method: 'message' });
    expect(message.end - message.start).toBeGreaterThanOrEqual(2n * 1024n * 1024n);
    const switched = await switchWal(primary);
    expect(switched.segment).toMatch(/^[0-9A-F]{24}$/);
    expect(existsSync(join(primary.walDir, switched.segment))).toBe(true);
    const after = await primary.currentLsn();
    expect(after % BigInt(primary.walSegmentSize)).toBe(0n);
    expect(after).toBeGreaterThan(switched.lsn);
  });

  it('streams to a standby that pg_stat_replication lists, and replays generated WAL', async () => {
    const standby = await startStandby(primary, { name: 'harness standby' });
    others.push(standby);
    const rows = await primary.sqlRows('SELECT application_name, state FROM pg_stat_replication');
    expect(rows).toContainEqual(['harness_standby', 'streaming']);
    expect(await standby.isInRecovery()).toBe(true);
    expect(await standby.systemIdentifier()).toBe(await primary.systemIdentifier());
    const range = await generateWal(primary, 1024 * 1024);
    await waitForReplay(standby, range.end);
    expect(await standby.sql('SELECT count(*) > 0 FROM ws_harness_wal')).toBe('t');
  });

  it('streams through a slot, cascades from a standby, and promotes the cascaded one', async () => {
    const viaSlot = await startStandby(primary, { name: 'slotted', slot: true });
    others.push(viaSlot);
    expect(await primary.sqlRows("SELECT slot_name, active FROM pg_replication_slots WHERE slot_name = 'slotted'")).toEqual([['slotted', 't']]);
    const cascaded = await startStandby(viaSlot, { name: 'cascaded' });
    others.push(cascaded);
    expect(await viaSlot.sqlRows('SELECT application_name FROM pg_stat_replication')).toEqual([['cascaded']]);
    const range = await generateWal(primary, 256 * 1024);
    await waitForReplay(cascaded, range.end);

    await cascaded.promote();
    expect(await cascaded.isInRecovery()).toBe(false);
    await cascaded.sql('CREATE TABLE after_promotion (x int)');
    expect(await cascaded.sql('SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)')).toBe('00000002');
    expect(await cascaded.sql("SELECT count(*) > 0 FROM pg_ls_waldir() WHERE name = '00000002.history'")).toBe('t');
  });

  it('stops, starts and restarts, keeping data', async () => {
    await primary.sql('CREATE TABLE survives (x int); INSERT INTO survives VALUES (42)');
    await primary.restart();
    expect(await primary.sql('SELECT x FROM survives')).toBe('42');
    await primary.stop();
    expect(existsSync(join(primary.dataDir, 'postmaster.pid'))).toBe(false);
    await expect(primary.sql('SELECT 1')).rejects.toThrow(/psql failed/);
    await primary.start();
    expect(await primary.sql('SELECT x FROM survives')).toBe('42');
  });
});
