import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type PgCluster, describeWithPg, generateWal, requireTool, runProcess, startCluster,
} from '../../harness/pg/index.js';
import {
  backupDir, basebackup, clientEnv, connectionArgs, extractTar, oracleReadsManifest, pgVerifybackup,
} from './helpers.js';

describeWithPg('basebackup output', (major) => {
  let primary: PgCluster;
  let env: Record<string, string>;
  beforeAll(async () => {
    primary = await startCluster(major, { auth: 'scram-sha-256', name: `bb${major}` });
    env = clientEnv(primary);
    await primary.sql('CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 20) AS pad FROM generate_series(1, 20000) g');
    await generateWal(primary, 2 * 1024 * 1024);
  });
  afterAll(async () => {
    await primary?.destroy();
  });

  it('plain -X stream: passes our --verify and pg_verifybackup; WAL segments and .done files as pg_basebackup', async () => {
    const { data } = backupDir('plain');
    const run = await basebackup(['-D', data, '-c', 'fast', '--verify', ...connectionArgs(primary)], env);
    expect(run.stderr).toMatch(/backup successfully verified: \d+ files/);
    expect(run.code).toBe(0);
    expect(existsSync(join(data, 'backup_manifest'))).toBe(true);
    expect(existsSync(join(data, 'backup_manifest.tmp'))).toBe(false);
    const wal = readdirSync(join(data, 'pg_wal')).filter((n) => /^[0-9A-F]{24}$/.test(n));
    expect(wal.length).toBeGreaterThan(0);
    expect(wal.some((n) => n.endsWith('.partial'))).toBe(false);
    for (const done of readdirSync(join(data, 'pg_wal', 'archive_status'))) {
      expect(done).toMatch(/^[0-9A-F]{24}\.done$/);
      expect(wal).toContain(done.slice(0, 24));
    }
    if (oracleReadsManifest(major)) {
      const oracle = await pgVerifybackup(data, major === 15);
      expect(oracle.stdout + oracle.stderr).toContain('backup successfully verified');
      expect(oracle.code).toBe(0);
    }
  });

  it('tar -X stream: base.tar + pg_wal.tar + backup_manifest; extracted, it verifies', async () => {
    const { base, data } = backupDir('tar');
    const run = await basebackup(['-D', data, '-Ft', '-c', 'fast', '--verify', ...connectionArgs(primary)], env);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(data).sort()).toEqual(['backup_manifest', 'base.tar', 'pg_wal.tar']);
    const listing = await runProcess('tar', ['-tf', join(data, 'base.tar')]);
    expect(listing.stdout.split('\n')[0]).toBe('backup_label');
    expect(listing.stdout).toContain('tablespace_map');
    const walListing = await runProcess('tar', ['-tf', join(data, 'pg_wal.tar')]);
    expect(walListing.stdout).toMatch(/^[0-9A-F]{24}$/m);
    if (oracleReadsManifest(major)) {
      const out = join(base, 'extracted');
      await extractTar(join(data, 'base.tar'), out);
      await extractTar(join(data, 'pg_wal.tar'), join(out, 'pg_wal'));
      const manifest = readFileSync(join(data, 'backup_manifest'));
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(out, 'backup_manifest'), manifest);
      const oracle = await pgVerifybackup(out, major === 15);
      expect(oracle.code, oracle.stderr).toBe(0);
    }
  });

  it.each([
    ['gzip', 'base.tar.gz', 'pg_wal.tar.gz', ['-t']],
    ['lz4', 'base.tar.lz4', 'pg_wal.tar', ['-t']],
    ['zstd', 'base.tar.zst', 'pg_wal.tar', ['-t', '-q']],
  ] as const)('client-side %s: the output passes the tool\'s own test and our --verify', async (method, baseName, walName, testArgs) => {
    const { data } = backupDir(method);
    const run = await basebackup(['-D', data, '-Ft', '-Z', `${method}:1`, '-c', 'fast', '--verify',
      ...connectionArgs(primary)], env);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(data).sort()).toEqual(['backup_manifest', baseName, walName].sort());
    const check = await runProcess(requireTool(method), [...testArgs, join(data, baseName)]);
    expect(check.code, check.stderr).toBe(0);
    if (walName.endsWith('.gz')) expect((await runProcess(requireTool('gzip'), ['-t', join(data, walName)])).code).toBe(0);
  });

  it('server-side gzip, plain and tar: decompressed on the fly or kept as base.tar.gz', async () => {
    const plain = backupDir('srvgz-plain');
    const run = await basebackup(['-D', plain.data, '-Z', 'server-gzip:1', '-c', 'fast', '--verify',
      ...connectionArgs(primary)], env);
    if (major < 15) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('server does not support server-side compression');
      return;
    }
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(plain.data, 'PG_VERSION'))).toBe(true);
    const tar = backupDir('srvgz-tar');
    const tarRun = await basebackup(['-D', tar.data, '-Ft', '-Z', 'server-gzip', '-c', 'fast', '--verify',
      ...connectionArgs(primary)], env);
    expect(tarRun.code, tarRun.stderr).toBe(0);
    expect(readdirSync(tar.data)).toContain('base.tar.gz');
    expect((await runProcess(requireTool('gzip'), ['-t', join(tar.data, 'base.tar.gz')])).code).toBe(0);
  });

  it('-D - -X fetch: one tar on standard output, WAL and backup_manifest inside', async () => {
    const { base } = backupDir('stdout');
    const file = join(base, 'out.tar');
    const run = await basebackup(['-D', '-', '-Ft', '-X', 'fetch', '-c', 'fast', ...connectionArgs(primary)], env,
      { stdoutFile: file });
    expect(run.code, run.stderr).toBe(0);
    const listing = (await runProcess('tar', ['-tf', file])).stdout.trim().split('\n');
    expect(listing[0]).toBe('backup_label');
    expect(listing.at(-1)).toBe('backup_manifest');
    expect(listing.some((n) => /^pg_wal\/[0-9A-F]{24}$/.test(n))).toBe(true);
  });

  it('--waldir: pg_wal is a link to the WAL directory, which holds the streamed segments', async () => {
    const { base, data } = backupDir('waldir');
    const waldir = join(base, 'wal');
    const run = await basebackup(['-D', data, '--waldir', waldir, '-c', 'fast', '--verify', ...connectionArgs(primary)], env);
    expect(run.code, run.stderr).toBe(0);
    expect(readlinkSync(join(data, 'pg_wal'))).toBe(waldir);
    expect(readdirSync(waldir).some((n) => /^[0-9A-F]{24}$/.test(n))).toBe(true);
  });

  it('-X none -Ft with --manifest-checksums=SHA256 and a label', async () => {
    const { data } = backupDir('sha');
    const run = await basebackup(['-D', data, '-Ft', '-X', 'none', '--manifest-checksums=SHA256', '-l', "it's mine",
      '-c', 'fast', '--verify', ...connectionArgs(primary)], env);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(data, 'backup_manifest'), 'utf8')).toContain('"Checksum-Algorithm": "SHA256"');
    const label = await runProcess('tar', ['-xOf', join(data, 'base.tar'), 'backup_label']);
    expect(label.stdout).toContain("LABEL: it's mine");
  });
});
