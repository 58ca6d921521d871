import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  baseEnv, describeWithPg, findFreePort, generateWal, lsnToText, makeTempDir, removeTempDir, runProcess, serverUser,
  startCluster, switchWal, waitFor, type PgCluster,
} from '../../harness/pg/index.js';
import { REPO_ROOT } from '../../harness/pg/binaries.js';
import { clientEnv, connectionArgs, exitOf, filesIn, receivewalInProcess, seedSegment } from './helpers.js';

const MB = 1024 * 1024;

/** name → sha256 of every file: "nothing already archived is damaged" is checked with it. */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir).sort().map((name) => [name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')]),
  );

/** Bad input and faults: each one clear line, exit status 1, and the archive left as it was. */
describeWithPg('receivewal faults', (major) => {
  let primary: PgCluster;
  let work: string;
  let dirCount = 0;
  const freshDir = (): string => {
    const dir = join(work, `d${(dirCount += 1)}`);
    mkdirSync(dir);
    return dir;
  };

  beforeAll(async () => {
    primary = await startCluster(major, { walSegmentSizeMB: 1, auth: 'scram-sha-256', name: `pg${major}-rw-faults` });
    await primary.sql("SELECT pg_create_physical_replication_slot('keep', true)");
    await generateWal(primary, 2 * MB);
    work = makeTempDir('ws-rw-faults-');
  });
  afterAll(async () => {
    await primary?.destroy();
    if (work !== undefined) removeTempDir(work);
  });

  /** A directory that already holds an archived segment, and its snapshot. */
  const archivedDir = async (): Promise<{ dir: string; before: Record<string, string>; seed: string }> => {
    const dir = freshDir();
    const { segment } = await switchWal(primary);
    seedSegment(primary, segment, dir);
    return { dir, before: snapshot(dir), seed: segment };
  };

  it('wrong password: the server\'s refusal on one line, exit 1', async () => {
    const { dir, before } = await archivedDir();
    const run = await receivewalInProcess(['-D', dir, ...connectionArgs(primary)], clientEnv(primary, { PGPASSWORD: 'wrong' }));
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^receivewal: error: .*password authentication failed for user "postgres"/);
    expect(run.stderr).not.toContain('wrong');
    expect(snapshot(dir)).toEqual(before);
  });

  it('missing slot (empty directory, or one to resume): exit 1 even without -n', async () => {
    const empty = freshDir();
    const first = await receivewalInProcess(['-D', empty, '-S', 'nosuch', ...connectionArgs(primary)], clientEnv(primary));
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^receivewal: error: replication slot "nosuch" does not exist\nreceivewal: hint: /);
    expect(filesIn(empty)).toEqual([]);
    const { dir, before } = await archivedDir();
    const second = await receivewalInProcess(['-D', dir, '-S', 'nosuch', ...connectionArgs(primary)], clientEnv(primary));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('replication slot "nosuch" does not exist');
    expect(snapshot(dir)).toEqual(before);
  });

  it('unreachable host: libpq-style message, exit 1', async () => {
    const port = await findFreePort();
    const dir = freshDir();
    const run = await receivewalInProcess(['-D', dir, '-h', '127.0.0.1', '-p', String(port), '-w'], clientEnv(primary));
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')[0]).toMatch(
      new RegExp(`^receivewal: error: connection to server at "127\\.0\\.0\\.1", port ${port} failed: Connection refused`),
    );
  });

  it('a directory it may not read or write: refused before connecting, exit 1', async () => {
    const user = serverUser();
    const locked = freshDir();
    const readOnly = freshDir();
    chmodSync(locked, 0o700);
    chmodSync(readOnly, 0o755);
    chmodSync(work, 0o755);
    const bin = join(REPO_ROOT, 'bin', 'receivewal');
    const env = baseEnv({ NO_COLOR: '1' });
    const asUser = async (dir: string) =>
      runProcess(process.execPath, [bin, '-D', dir, '-h', '/nonexistent', '-w'], { asServerUser: user.separate, env });
    const denied = await asUser(locked);
    expect(denied.code).toBe(1);
    if (user.separate) {
      expect(denied.stderr).toBe(`receivewal: error: could not open directory "${locked}": Permission denied\n`);
      const unwritable = await asUser(readOnly);
      expect(unwritable.code).toBe(1);
      expect(unwritable.stderr).toMatch(/^receivewal: error: Cannot write into directory ".*": Permission denied\n/);
    }
  });

  it('a truncated complete segment is skipped with pg_receivewal\'s warning and streamed again', async () => {
    const { dir, seed } = await archivedDir();
    const { segment: next } = await switchWal(primary);
    seedSegment(primary, next, dir);
    truncateSync(join(dir, next), 4096);
    const end = (await switchWal(primary)).lsn;
    const run = await receivewalInProcess(['-D', dir, '-E', lsnToText(end), '-n', ...connectionArgs(primary)], clientEnv(primary));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`receivewal: warning: segment file "${next}" has incorrect size 4096, skipping`);
    expect(readFileSync(join(dir, next)).equals(readFileSync(join(primary.walDir, next)))).toBe(true);
    expect(filesIn(dir)[0]).toBe(seed);
  });

  it('a file named like WAL that is not WAL: refused, nothing touched', async () => {
    const { dir } = await archivedDir();
    const { segment: next } = await switchWal(primary);
    writeFileSync(join(dir, next), randomBytes(MB));
    const before = snapshot(dir);
    const run = await receivewalInProcess(['-D', dir, '-n', ...connectionArgs(primary)], clientEnv(primary));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^receivewal: error: Cannot stream into ".*": "${next}" is not WAL of its name: `));
    expect(snapshot(dir)).toEqual(before);
  });

  it('a .partial that is neither empty nor a segment: pg_receivewal\'s message, exit 1', async () => {
    const { dir } = await archivedDir();
    const { segment: next } = await switchWal(primary);
    writeFileSync(join(dir, `${next}.partial`), readFileSync(join(primary.walDir, next)).subarray(0, 12345));
    const before = snapshot(dir);
    const run = await receivewalInProcess(['-D', dir, ...connectionArgs(primary)], clientEnv(primary));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`receivewal: error: write-ahead log file "${next}.partial" has 12345 bytes, should be 0 or ${MB}`);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a server of another database system: refused, WAL of two clusters never mixes', async () => {
    const other = await startCluster(major, { walSegmentSizeMB: 1, name: `pg${major}-rw-other` });
    try {
      const { dir, before } = await archivedDir();
      const run = await receivewalInProcess(['-D', dir, ...connectionArgs(other)], clientEnv(other));
      expect(run.code).toBe(1);
      const sysid = await primary.systemIdentifier();
      const otherId = await other.systemIdentifier();
      expect(run.stderr).toContain(
        `receivewal: error: Cannot stream into "${dir}": its WAL belongs to database system ${sysid}, the server is database system ${otherId}`,
      );
      expect(snapshot(dir)).toEqual(before);
    } finally {
      await other.destroy();
    }
  });

  it('a full disk: one line, exit 1 with -n, completed segments intact', async (context) => {
    const disk = freshDir();
    const mounted = await runProcess('/bin/mount', ['-t', 'tmpfs', '-o', 'size=2560k', 'tmpfs', disk]);
    if (mounted.code !== 0) {
      if (process.env['CI'] === 'true') throw new Error(`Cannot mount a small tmpfs: ${mounted.stderr}`);
      context.skip(`cannot mount a small tmpfs here: ${mounted.stderr.trim()}`);
    }
    try {
      const { segment } = await switchWal(primary);
      seedSegment(primary, segment, disk);
      const wal = generateWal(primary, 4 * MB);
      const run = await receivewalInProcess(['-D', disk, '-n', '-S', 'keep', ...connectionArgs(primary)], clientEnv(primary));
      await wal;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/receivewal: error: Cannot write to write-ahead log file ".*\.partial": No space left on device\n/);
      expect(run.stderr).toMatch(/receivewal: error: disconnected\n$/);
      for (const name of filesIn(disk).filter((n) => !n.endsWith('.partial'))) {
        expect(readFileSync(join(disk, name)).equals(readFileSync(join(primary.walDir, name))), name).toBe(true);
      }
    } finally {
      await runProcess('/bin/umount', [disk]);
    }
  });

  it('the server goes away mid-stream: partial kept; without -n it reconnects and carries on', async () => {
    const { dir } = await archivedDir();
    const controller = new AbortController();
    const running = receivewalInProcess(['-D', dir, '-S', 'keep', '-v', ...connectionArgs(primary)], clientEnv(primary), controller.signal);
    const first = await generateWal(primary, 2 * MB + 100_000);
    await waitForFile(dir, (names) => names.some((n) => n.endsWith('.partial')) && names.length >= 3);
    await primary.restart('immediate');
    const second = await generateWal(primary, 2 * MB);
    const last = await switchWal(primary);
    await waitForFile(dir, (names) => names.includes(last.segment));
    controller.abort();
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/receivewal: error: could not receive data from WAL stream: /);
    expect(run.stderr).toContain('receivewal: disconnected; waiting 5 seconds to try again');
    expect(run.stderr).toContain('receivewal: received interrupt signal, exiting');
    for (const name of filesIn(dir).filter((n) => !n.endsWith('.partial'))) {
      expect(readFileSync(join(dir, name)).equals(readFileSync(join(primary.walDir, name))), name).toBe(true);
    }
  }, 120_000);

  it('installed as pg_receivewal, that is its default application_name (synchronous_standby_names keeps matching)', async () => {
    const dir = freshDir();
    const link = join(work, 'pg_receivewal');
    symlinkSync(join(REPO_ROOT, 'bin', 'receivewal'), link);
    const child = spawn(process.execPath, [link, '-D', dir, ...connectionArgs(primary)], {
      env: clientEnv(primary), stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await waitFor(async () => (await primary.sql('SELECT application_name FROM pg_stat_replication')) === 'pg_receivewal', {
        timeoutMs: 30_000, description: 'a walsender for application_name pg_receivewal',
      });
    } finally {
      child.kill('SIGINT');
      await exitOf(child);
    }
  });

  it('a stop while it waits to reconnect says why it ends (-v), exit 0', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    const running = receivewalInProcess(['-D', dir, '-v', ...connectionArgs(primary)], clientEnv(primary), controller.signal);
    await waitForFile(dir, (names) => names.some((n) => n.endsWith('.partial')));
    await primary.stop('fast');
    try {
      // The stream's end, then the 5 s wait: the stop arrives during the wait.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      controller.abort();
      const run = await running;
      expect(run.code).toBe(0);
      const waitAt = run.stderr.indexOf('receivewal: disconnected; waiting 5 seconds to try again');
      expect(waitAt, run.stderr).toBeGreaterThanOrEqual(0);
      expect(run.stderr.slice(waitAt)).toContain('receivewal: received interrupt signal, exiting');
    } finally {
      await primary.start();
    }
  }, 120_000);
});

const waitForFile = async (dir: string, ready: (names: string[]) => boolean, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!ready(filesIn(dir))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting in ${dir}: ${filesIn(dir).join(' ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
