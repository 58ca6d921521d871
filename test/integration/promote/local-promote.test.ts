import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type PgCluster,
  chownToServerUser,
  describeWithPg,
  lsnFromText,
  makeTempDir,
  removeTempDir,
  runProcess,
  startCluster,
  startStandby,
  waitFor,
} from '../../harness/pg/index.js';
import { copyDataDirectory } from '../../harness/pg/copy-data-dir.js';
import { runPromote, snapshotTree, topLevelListing } from './promote-helpers.js';

const REPO = new URL('../../../', import.meta.url).pathname;

/**
 * The oracle: pg_ctl promote of the same major, run as the server's user, on the same
 * directory. Its message lines without the "pg_ctl: " prefix must be ours without
 * "promote: error: " / "promote: hint: ". Only used where pg_ctl itself will not signal.
 */
const pgCtlSays = async (cluster: PgCluster, dataDir: string): Promise<{ code: number | null; lines: string[] }> => {
  const result = await runProcess(join(cluster.binDir, 'pg_ctl'), ['promote', '-D', dataDir], { asServerUser: true });
  return { code: result.code, lines: result.stderr.trim().split('\n').map((l) => l.replace(/^pg_ctl: /, '')) };
};
const ourLines = (stderr: string): string[] =>
  stderr.trim().split('\n').map((l) => l.replace(/^promote: (error|hint): /, ''));

describeWithPg('promote -D (local)', (major) => {
  let primary: PgCluster;
  const standbys: PgCluster[] = [];
  const newStandby = async (name: string): Promise<PgCluster> => {
    const standby = await startStandby(primary, { name: `pg${major}-${name}` });
    standbys.push(standby);
    return standby;
  };

  beforeAll(async () => {
    primary = await startCluster(major, { name: `pg${major}-promote-primary` });
    await primary.sql('CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 1000)');
  });
  afterAll(async () => {
    for (const standby of standbys) await standby.destroy();
    await primary?.destroy();
  });

  it('waits, exits 0, and the server accepts writes at once; prints the new timeline and its start', async () => {
    const standby = await newStandby('wait');
    await waitFor(async () => (await standby.sql('SELECT count(*) FROM t')) === '1000');
    const replayed = lsnFromText(await standby.sql('SELECT pg_last_wal_replay_lsn()'));
    const run = await runPromote(['-D', standby.dataDir]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // Immediately after: no waitFor.
    expect(await standby.isInRecovery()).toBe(false);
    await standby.sql('INSERT INTO t VALUES (0)');
    const match = /^waiting for server to promote\.+ done\nserver promoted\nnew timeline (\d+) began at ([0-9A-F]+\/[0-9A-F]+) \(previous timeline (\d+)\)\n$/.exec(
      run.stdout,
    );
    expect(match, run.stdout).not.toBeNull();
    const [, tli, startLsn, previous] = match ?? [];
    expect(Number(previous)).toBe(1);
    expect(Number(tli)).toBe(2);
    // The new timeline begins where replay of the old one ended.
    expect(lsnFromText(startLsn ?? '')).toBe(replayed);
    const walName = await standby.sql('SELECT pg_walfile_name(pg_current_wal_lsn())');
    expect(Number.parseInt(walName.slice(0, 8), 16)).toBe(Number(tli));
    expect(existsSync(join(standby.dataDir, 'promote'))).toBe(false);
  });

  it('-W returns at once and the server leaves recovery soon after', async () => {
    const standby = await newStandby('nowait');
    const run = await runPromote(['-D', standby.dataDir, '-W']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('server promoting\n');
    expect(run.ms).toBeLessThan(2000);
    await waitFor(async () => !(await standby.isInRecovery()), { timeoutMs: 30_000, description: 'promotion' });
  });

  it('--json and -s: one document, or nothing, on stdout', async () => {
    const standby = await newStandby('json');
    const run = await runPromote(['-D', standby.dataDir, '--json']);
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ mode: 'local', promoted: true, waited: true, timeline: 2, previousTimeline: 1 });
    expect(doc['timelineStartLsn']).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

    const silent = await newStandby('silent');
    const quiet = await runPromote(['-D', silent.dataDir, '-s']);
    expect([quiet.status, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
    expect(await silent.isInRecovery()).toBe(false);
  });

  it('refuses a primary: "server is not in standby mode", exit 1, nothing written', async () => {
    const before = await topLevelListing(primary.dataDir);
    const run = await runPromote(['-D', primary.dataDir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'promote: error: cannot promote server; server is not in standby mode\n' +
        'promote: hint: pg_control says the cluster is in production.\n',
    );
    expect(run.stdout).toBe('');
    expect(await topLevelListing(primary.dataDir)).toEqual(before);
    expect(existsSync(join(primary.dataDir, 'promote'))).toBe(false);
    const oracle = await pgCtlSays(primary, primary.dataDir);
    expect(oracle).toEqual({ code: 1, lines: [ourLines(run.stderr)[0]] });
  });

  it('refuses a stopped standby: PID file does not exist, exit 1, nothing written', async () => {
    const standby = await newStandby('stopped');
    await standby.stop('fast');
    const before = await snapshotTree(standby.dataDir);
    const run = await runPromote(['-D', standby.dataDir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `promote: error: PID file "${join(standby.dataDir, 'postmaster.pid')}" does not exist\n` +
        'promote: hint: Is server running?\n',
    );
    expect(await snapshotTree(standby.dataDir)).toEqual(before);
    expect(await pgCtlSays(standby, standby.dataDir)).toEqual({ code: 1, lines: ourLines(run.stderr) });
  });

  it('refuses a missing directory', async () => {
    const missing = join(primary.baseDir, 'no-such-dir');
    const run = await runPromote(['-D', missing]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`promote: error: directory "${missing}" does not exist\n`);
    expect(existsSync(missing)).toBe(false);
    expect(await pgCtlSays(primary, missing)).toEqual({ code: 1, lines: ourLines(run.stderr) });
  });

  it('refuses a corrupt pg_control (in a copy of a live standby\'s directory) without signalling', async () => {
    const standby = await newStandby('corrupt-source');
    const copyBase = makeTempDir(`ws-pg${major}-corrupt-`);
    try {
      const copy = join(copyBase, 'data');
      await copyDataDirectory(standby.dataDir, copy, { includeWal: false });
      // The copy gets the live standby's postmaster.pid, naming its running postmaster: only
      // the pg_control check stands between the tool and signalling it.
      await copyFile(join(standby.dataDir, 'postmaster.pid'), join(copy, 'postmaster.pid'));
      await chownToServerUser(join(copy, 'postmaster.pid'));
      const controlPath = join(copy, 'global', 'pg_control');
      const control = await readFile(controlPath);
      control.writeUInt8(control.readUInt8(48) ^ 0x01, 48); // checkpoint timeline, inside the CRC
      await writeFile(controlPath, control);
      const before = await snapshotTree(copy);
      const run = await runPromote(['-D', copy]);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        'promote: error: control file appears to be corrupt\n' +
          `promote: hint: The CRC-32C of "${controlPath}" does not match its contents.\n`,
      );
      expect(await snapshotTree(copy)).toEqual(before);
      expect(await standby.isInRecovery()).toBe(true);
      expect(await pgCtlSays(standby, copy)).toEqual({ code: 1, lines: [ourLines(run.stderr)[0]] });
      expect(await standby.isInRecovery()).toBe(true);
    } finally {
      removeTempDir(copyBase);
    }
  });

  it('-t 0 gives up at once with pg_ctl\'s message; the request still stands', async () => {
    const standby = await newStandby('timeout');
    const run = await runPromote(['-D', standby.dataDir, '-t', '0']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('waiting for server to promote... stopped waiting\n');
    expect(run.stderr).toMatch(/^promote: error: server did not promote in time\n/);
    await waitFor(async () => !(await standby.isInRecovery()), { timeoutMs: 30_000, description: 'promotion' });
  });

  it('bin/promote (the built shim) promotes with PGDATA and PGCTLTIMEOUT', async () => {
    const shim = join(REPO, 'bin', 'promote');
    if (!existsSync(join(REPO, 'dist', 'tools', 'promote', 'cli.js'))) {
      throw new Error('dist/ is missing: run npm run build first (npm test does)');
    }
    const standby = await newStandby('shim');
    const result = spawnSync(shim, [], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', PGDATA: standby.dataDir, PGCTLTIMEOUT: '90' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/server promoted\nnew timeline 2 began at /);
    expect(await standby.isInRecovery()).toBe(false);
  });
});
