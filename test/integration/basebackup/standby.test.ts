import { chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type PgCluster, chownToServerUser, describeWithPg, makeTempDir, startCluster, startStandby, waitForReplay,
  waitForStreaming,
} from '../../harness/pg/index.js';
import {
  backupDir, basebackup, clientEnv, clusterFromBackup, connectionArgs, extractTar, tableChecksum,
} from './helpers.js';

describeWithPg('basebackup -R: standbys in one command', (major) => {
  let primary: PgCluster;
  let env: Record<string, string>;
  let tablespaceDir: string;
  const started: PgCluster[] = [];
  beforeAll(async () => {
    primary = await startCluster(major, { auth: 'scram-sha-256', name: `bbs${major}` });
    env = clientEnv(primary);
    tablespaceDir = join(makeTempDir('ws-bb-tblspc-'), 'ts');
    mkdirSync(tablespaceDir);
    await chownToServerUser(tablespaceDir);
    await primary.sql(`CREATE TABLESPACE extra LOCATION '${tablespaceDir}'`);
    await primary.sql('CREATE TABLE t_main AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g');
    await primary.sql('CREATE TABLE t_space TABLESPACE extra AS SELECT g AS id, md5((g * 7)::text) AS v FROM generate_series(1, 3000) g');
  });
  afterAll(async () => {
    for (const c of started) await c.destroy();
    await primary?.destroy();
  });

  const expectSameData = async (standby: PgCluster): Promise<void> => {
    await primary.sql('INSERT INTO t_main SELECT g, md5(g::text) FROM generate_series(5001, 6000) g');
    await primary.sql('INSERT INTO t_space SELECT g, md5(g::text) FROM generate_series(3001, 3500) g');
    await waitForReplay(standby, await primary.currentLsn());
    for (const table of ['t_main', 't_space']) {
      expect(await tableChecksum(standby, table)).toBe(await tableChecksum(primary, table));
    }
  };

  it('plain -R -X stream with -T: the standby streams and holds the same tables', async () => {
    const { base, data } = backupDir('standby-plain');
    const mapped = join(base, 'ts-copy');
    const run = await basebackup(['-D', data, '-R', '-c', 'fast', '-T', `${tablespaceDir}=${mapped}`, '--verify',
      ...connectionArgs(primary)], env);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(data, 'standby.signal'), 'utf8')).toBe('');
    expect(readFileSync(join(data, 'postgresql.auto.conf'), 'utf8')).toMatch(/^primary_conninfo = '.*password=.*'$/m);
    const links = readdirSync(join(data, 'pg_tblspc'));
    expect(links).toHaveLength(1);
    expect(readlinkSync(join(data, 'pg_tblspc', links[0] as string))).toBe(mapped);
    expect(readdirSync(mapped).some((n) => n.startsWith('PG_'))).toBe(true);
    const standby = await clusterFromBackup(primary, base, `bbs${major}-plain`);
    started.push(standby);
    await standby.start();
    await waitForStreaming(standby);
    expect(await standby.isInRecovery()).toBe(true);
    await expectSameData(standby);
  });

  it('tar -R -X stream, extracted: the standby streams and holds the same tables', async () => {
    const { base, data } = backupDir('standby-tar');
    const out = join(base, 'out');
    const run = await basebackup(['-D', out, '-Ft', '-R', '-c', 'fast', ...connectionArgs(primary)], env);
    expect(run.code, run.stderr).toBe(0);
    const names = readdirSync(out).sort();
    const spcTar = names.find((n) => /^[0-9]+\.tar$/.test(n)) as string;
    expect(names).toEqual(['backup_manifest', 'base.tar', 'pg_wal.tar', spcTar].sort());
    await extractTar(join(out, 'base.tar'), data);
    await extractTar(join(out, 'pg_wal.tar'), join(data, 'pg_wal'));
    // The tablespace goes where tablespace_map says, after pointing that at a new directory.
    const newSpace = join(base, 'ts-tar');
    await extractTar(join(out, spcTar), newSpace);
    const mapLine = readFileSync(join(data, 'tablespace_map'), 'utf8').trim();
    expect(mapLine).toBe(`${spcTar.slice(0, -4)} ${tablespaceDir}`);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(data, 'tablespace_map'), `${spcTar.slice(0, -4)} ${newSpace}\n`);
    await rm(out, { recursive: true });
    chmodSync(data, 0o700);
    expect(readFileSync(join(data, 'standby.signal'), 'utf8')).toBe('');
    const standby = await clusterFromBackup(primary, base, `bbs${major}-tar`);
    started.push(standby);
    await standby.start();
    await waitForStreaming(standby);
    await expectSameData(standby);
  });

  it('PGREQUIREAUTH set: -R passes require_auth on only where the standby\'s libpq knows it, and it streams', async () => {
    const { base, data } = backupDir('require-auth');
    const mapped = join(base, 'ts-require-auth');
    const run = await basebackup(['-D', data, '-R', '-c', 'fast', '-T', `${tablespaceDir}=${mapped}`,
      ...connectionArgs(primary)], { ...env, PGREQUIREAUTH: 'scram-sha-256' });
    expect(run.code, run.stderr).toBe(0);
    const conninfo = readFileSync(join(data, 'postgresql.auto.conf'), 'utf8');
    if (major >= 16) expect(conninfo).toMatch(/^primary_conninfo = '.* require_auth=''scram-sha-256'' .*'$/m);
    else expect(conninfo).not.toMatch(/require_auth/);
    // A 14 or 15 walreceiver refuses a conninfo naming require_auth: it would never stream.
    const standby = await clusterFromBackup(primary, base, `bbs${major}-reqauth`);
    started.push(standby);
    await standby.start();
    await waitForStreaming(standby);
    await expectSameData(standby);
  });

  it('from a standby (cascading): the backup verifies and starts as a standby of that standby', async () => {
    const upstream = await startStandby(primary, { name: `bbs${major}-upstream` });
    started.push(upstream);
    await primary.sql('INSERT INTO t_main SELECT g, md5(g::text) FROM generate_series(7001, 7100) g');
    await waitForReplay(upstream, await primary.currentLsn());
    const { base, data } = backupDir('cascade');
    const mapped = join(base, 'ts-cascade');
    const run = await basebackup(['-D', data, '-R', '-c', 'fast', '-T', `${tablespaceDir}=${mapped}`, '--verify',
      '-h', upstream.host, '-p', String(upstream.port), '-U', 'postgres', '-w'], env);
    expect(run.code, run.stderr).toBe(0);
    const cascaded = await clusterFromBackup(upstream, base, `bbs${major}-cascaded`);
    started.push(cascaded);
    await cascaded.start();
    await waitForStreaming(cascaded);
    await primary.sql('INSERT INTO t_main SELECT g, md5(g::text) FROM generate_series(8001, 8100) g');
    await waitForReplay(cascaded, await primary.currentLsn());
    expect(await tableChecksum(cascaded, 't_main')).toBe(await tableChecksum(primary, 't_main'));
  });
});
