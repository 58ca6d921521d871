import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type PgCluster, describeWithPg, isCi, makeTempDir, startCluster, waitFor,
} from '../../harness/pg/index.js';
import { REPO_ROOT } from '../../harness/pg/binaries.js';
import { backupDir, basebackup, clientEnv, connectionArgs } from './helpers.js';

describeWithPg('basebackup faults: one clear line, exit 1, no half backup that looks complete', (major) => {
  let primary: PgCluster;
  let env: Record<string, string>;
  beforeAll(async () => {
    primary = await startCluster(major, { name: `bbf${major}`, dataChecksums: true });
    env = clientEnv(primary);
    await primary.sql('CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 30) AS pad FROM generate_series(1, 30000) g');
  });
  afterAll(async () => {
    await primary?.destroy();
  });

  it('a non-empty target directory is refused and left alone', async () => {
    const { data } = backupDir('nonempty');
    mkdirSync(data);
    writeFileSync(join(data, 'precious'), 'x');
    const run = await basebackup(['-D', data, ...connectionArgs(primary)], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`basebackup: error: directory "${data}" exists but is not empty`);
    expect(readdirSync(data)).toEqual(['precious']);
  });

  it('a missing slot (-S without -C): the error, and the new directory is removed', async () => {
    const { data } = backupDir('noslot');
    const run = await basebackup(['-D', data, '-S', 'no_such_slot', '-c', 'fast', ...connectionArgs(primary)], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/replication slot "no_such_slot" does not exist/);
    expect(run.stderr).toContain(`removing data directory "${data}"`);
    expect(existsSync(data)).toBe(false);
  });

  const slowBackup = (data: string, extra: string[] = []): Promise<{ code: number; stderr: string }> =>
    basebackup(['-D', data, '-r', '1M', '-c', 'fast', ...extra, ...connectionArgs(primary)], env);

  const terminate = async (state: 'streaming' | 'backup'): Promise<void> => {
    await waitFor(async () => (await primary.sql(
      `SELECT count(*) FROM pg_stat_replication WHERE state = '${state}'`)) === '1', {
      timeoutMs: 30_000, description: `a ${state} walsender`,
    });
    await primary.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE state = '${state}'`);
  };

  it('the WAL streaming connection killed mid-backup: exit 1 at once, output removed', async () => {
    const { data } = backupDir('killwal');
    const [run] = await Promise.all([slowBackup(data), terminate('streaming')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/basebackup: error: .*terminat/i);
    expect(existsSync(data)).toBe(false);
  });

  it('the backup connection dropped mid-backup with -n: exit 1, output kept and said so', async () => {
    const { data } = backupDir('killmain');
    const [run] = await Promise.all([slowBackup(data, ['-n']), terminate('backup')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`data directory "${data}" not removed at user's request`);
    expect(existsSync(join(data, 'backup_manifest'))).toBe(false);
  });

  it('SIGINT mid-backup: stops at once, exit 1, output removed', async () => {
    const { data } = backupDir('sigint');
    // The built binary: signals go to a real process (npm test builds before running).
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'basebackup'), '-D', data, '-r', '1M', '-c', 'fast',
      ...connectionArgs(primary)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await waitFor(() => existsSync(join(data, 'PG_VERSION')), { timeoutMs: 30_000, description: 'the backup to start' });
    const started = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(1);
    expect(stderr).toContain('basebackup: error: backup interrupted');
    expect(existsSync(data)).toBe(false);
  });

  it('no free walsender for -X stream: exit 1 with the server\'s reason', async () => {
    await primary.appendConf(['max_wal_senders = 1']);
    await primary.restart();
    try {
      const { data } = backupDir('nosender');
      const run = await basebackup(['-D', data, '-c', 'fast', ...connectionArgs(primary)], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/number of requested standby connections exceeds "?max_wal_senders"?/);
      expect(existsSync(data)).toBe(false);
    } finally {
      await primary.appendConf(['max_wal_senders = 10']);
      await primary.restart();
    }
  });

  it('a page that fails its checksum: WARNING, "checksum error occurred", exit 1, output kept', async () => {
    const file = join(primary.dataDir, await primary.sql("SELECT pg_relation_filepath('big')"));
    await primary.sql('CHECKPOINT');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('corrupted by the test'), 0, 21, 8192 * 3 + 4000);
    closeSync(fd);
    try {
      const { data } = backupDir('checksum');
      const run = await basebackup(['-D', data, '-c', 'fast', ...connectionArgs(primary)], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^WARNING: {2}checksum verification failed in file/m);
      expect(run.stderr).toContain('basebackup: error: checksum error occurred');
      expect(run.stderr).not.toContain('removing data directory');
      expect(existsSync(join(data, 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(data, 'backup_manifest'))).toBe(false);
    } finally {
      await primary.sql('DROP TABLE big');
    }
  });

  it('a full disk: exit 1 naming the file, output removed', async () => {
    if (process.getuid?.() !== 0) {
      // Needs a small tmpfs, which only root can mount; CI runs as root.
      expect(isCi()).toBe(false);
      return;
    }
    const mount = join(makeTempDir('ws-bb-full-'), 'small');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mount]);
    try {
      const data = join(mount, 'data');
      const run = await basebackup(['-D', data, '-c', 'fast', ...connectionArgs(primary)], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/basebackup: error: Cannot .*No space left on device/);
      expect(existsSync(data)).toBe(false);
    } finally {
      execFileSync('umount', [mount]);
    }
  });
});
