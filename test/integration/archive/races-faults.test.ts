import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chownToServerUser, describeWithPg, isCi, makeTempDir, startCluster, startStandby, switchWal, waitFor,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';
import { hook, runBin, waitForArchived } from './helpers.js';

const isRoot = process.getuid?.() === 0;

describeWithPg('archive hooks under races and faults', (major) => {
  let primary: PgCluster | undefined;
  let archive: string;
  let work: string;
  /** Two real, different segments of this cluster, copied out of the archive. */
  let segA: { name: string; path: string };
  let segB: { name: string; path: string };

  beforeAll(async () => {
    archive = makeTempDir('ws-archive-');
    work = makeTempDir('ws-archive-work-');
    primary = await startCluster(major, { archive: { mode: 'on', command: hook('archivewal', `%p ${archive}`) } });
    const a = await switchWal(primary);
    const b = await switchWal(primary);
    await waitForArchived(primary, archive, b.segment);
    await mkdir(join(work, 'pg_wal'));
    segA = { name: a.segment, path: join(work, 'pg_wal', a.segment) };
    segB = { name: b.segment, path: join(work, 'b', a.segment) };
    await copyFile(join(archive, a.segment), segA.path);
    // B: another real segment under A's name, to race differing content.
    await mkdir(join(work, 'b'));
    await copyFile(join(archive, b.segment), segB.path);
  });
  afterAll(async () => {
    await primary?.destroy();
  });

  it('16 concurrent pushes of one segment: one file, every pusher exits 0', async () => {
    const target = makeTempDir('ws-archive-race-');
    const results = await Promise.all(Array.from({ length: 16 }, () => runBin('archivewal', [segA.path, target])));
    expect(results.map((r) => r.code)).toEqual(Array(16).fill(0));
    expect((await readdir(target)).sort()).toEqual(['.warmstandby-system-identifier', segA.name]);
    expect((await readFile(join(target, segA.name))).equals(await readFile(segA.path))).toBe(true);
  });

  it('16 concurrent pushes of two contents under one name: one content wins, its pushers exit 0, the others 1', async () => {
    const target = makeTempDir('ws-archive-race-');
    const other = Buffer.from(await readFile(segA.path));
    other[other.length - 1] = (other[other.length - 1] ?? 0) ^ 0xff; // same header, other body
    await mkdir(join(work, 'other'), { recursive: true });
    const otherPath = join(work, 'other', segA.name);
    await writeFile(otherPath, other);
    const sources = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? segA.path : otherPath));
    const results = await Promise.all(sources.map((source) => runBin('archivewal', [source, target])));
    const stored = await readFile(join(target, segA.name));
    const winner = stored.equals(other) ? otherPath : segA.path;
    expect(stored.equals(await readFile(winner))).toBe(true);
    results.forEach((result, i) => {
      expect(result.code, result.stderr).toBe(sources[i] === winner ? 0 : 1);
      if (sources[i] !== winner) expect(result.stderr).toContain('with different content');
    });
    expect((await readdir(target)).sort()).toEqual(['.warmstandby-system-identifier', segA.name]);
  });

  it('racing plain and gzip pushes of one segment all succeed; every stored form holds it', async () => {
    const target = makeTempDir('ws-archive-race-');
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => runBin('archivewal', i % 2 === 0 ? [segA.path, target] : ['-Z', 'gzip', segA.path, target])),
    );
    expect(results.map((r) => r.code)).toEqual(Array(16).fill(0));
    const stored = (await readdir(target)).filter((n) => !n.startsWith('.')).sort();
    expect(stored.length).toBeGreaterThanOrEqual(1);
    for (const name of stored) {
      const data = await readFile(join(target, name));
      expect((name.endsWith('.gz') ? gunzipSync(data) : data).equals(await readFile(segA.path))).toBe(true);
    }
    const refused = await runBin('archivewal', [segB.path, target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/page header address .*, the name says/);
  });

  it('a different segment under an archived name is refused and the archive keeps its file', async () => {
    const target = makeTempDir('ws-archive-differs-');
    expect((await runBin('archivewal', [segA.path, target])).code).toBe(0);
    const tampered = Buffer.from(await readFile(segA.path));
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;
    await mkdir(join(work, 'c'), { recursive: true });
    await writeFile(join(work, 'c', segA.name), tampered);
    const result = await runBin('archivewal', [join(work, 'c', segA.name), target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('with different content');
    expect((await readFile(join(target, segA.name))).equals(await readFile(segA.path))).toBe(true);
  });

  describe('a full file system', () => {
    const reason = isRoot ? undefined : 'mounting a tmpfs needs root';
    it.skipIf(reason !== undefined && !isCi())(`fails cleanly and leaves no file under the final name${reason === undefined ? '' : ` (skipped: ${reason})`}`, async () => {
      if (!isRoot) throw new Error(`CI=true: ${reason}`);
      const mount = makeTempDir('ws-archive-tmpfs-');
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0777', 'ws-archive-tmpfs', mount], { encoding: 'utf8' });
      if (mounted.status !== 0) throw new Error(`Cannot mount a tmpfs: ${mounted.stderr}`);
      try {
        const result = await runBin('archivewal', [segA.path, mount]);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/No space left on device/);
        const left = await readdir(mount);
        expect(left).not.toContain(segA.name);
        expect(left.filter((n) => n.endsWith('.tmp'))).toEqual([]);
        // restorewal into a full file system: an I/O error (3), not "missing", not fatal.
        const full = join(mount, 'filler');
        mkdirSync(full);
        spawnSync('dd', ['if=/dev/zero', `of=${join(full, 'x')}`, 'bs=1M', 'count=8'], { stdio: 'ignore' });
        const restored = await runBin('restorewal', [segA.name, join(mount, 'RECOVERYXLOG'), archive]);
        expect(restored.code).toBe(3);
        expect(restored.stderr).toMatch(/No space left on device/);
        expect((await readdir(mount)).filter((n) => n !== 'filler' && n !== '.warmstandby-system-identifier')).toEqual([]);
      } finally {
        spawnSync('umount', [mount]);
        rmSync(mount, { recursive: true, force: true });
      }
    });
  });

  it('restorewal stops recovery on a corrupted archived file (status above 125)', async () => {
    if (primary === undefined) throw new Error('cluster did not start');
    const broken = makeTempDir('ws-archive-broken-');
    await copyFile(join(archive, '.warmstandby-system-identifier'), join(broken, '.warmstandby-system-identifier'));
    // The first segment the standby needs is archived corrupted: gzip with damaged data.
    const standby = await startStandby(primary, {
      name: `pg${major}-broken-standby`,
      streaming: false,
      restoreCommand: hook('restorewal', `%f %p ${broken}`),
      start: false,
    });
    try {
      const next = await switchWal(primary);
      await waitForArchived(primary, archive, next.segment);
      for (const name of (await readdir(archive)).filter((n) => /^[0-9A-F]{24}$/.test(n))) {
        const gz = gzipSync(await readFile(join(archive, name)));
        const middle = Math.floor(gz.length / 2);
        gz[middle] = (gz[middle] ?? 0) ^ 0x5a;
        await writeFile(join(broken, `${name}.gz`), gz);
      }
      await chownToServerUser(broken);
      await standby.start().catch(() => undefined);
      await waitFor(async () => /exit(ed with exit)? code 152/.test(await standby.readLog()), {
        timeoutMs: 60_000,
        description: 'the standby to stop on restorewal status 152',
      });
      const log = await standby.readLog();
      expect(log).toMatch(/FATAL: .*could not restore file .* from archive: child process exited with exit code 152/);
      expect(log).toMatch(/restorewal: error: Cannot decompress/);
    } finally {
      await standby.destroy();
    }
  });
});
