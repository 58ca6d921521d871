import { existsSync, realpathSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PgCluster } from '../../harness/pg/index.js';
import { baseEnv, requireTool, runProcess, toolUnavailableReason, waitFor } from '../../harness/pg/index.js';
import type { RunResult } from '../../harness/pg/index.js';

export const root = join(import.meta.dirname, '..', '..', '..');

/**
 * The hooks as a DBA writes them: the bin shim run as a command (dist/ from npm run build), so
 * what sh answers before Node starts (bin/archivewal, bin/restorewal) is what the server gets.
 * The shims start `node` from PATH; the server's PATH gets the running Node's directory first
 * when it would find another one (or none).
 */
export const hook = (tool: 'archivewal' | 'restorewal' | 'archivecleanup', args: string): string => {
  if (!existsSync(join(root, 'dist', 'tools', 'entry.js'))) throw new Error('dist/ is missing: run npm run build first');
  const command = `${join(root, 'bin', tool)} ${args}`;
  return nodeOnServerPath() ? command : `PATH=${dirname(process.execPath)}:"$PATH" ${command}`;
};

/** Whether `node` on the servers' PATH (baseEnv) is the Node running the tests. */
const nodeOnServerPath = (): boolean => {
  const first = (baseEnv()['PATH'] ?? '').split(':').find((dir) => dir !== '' && existsSync(join(dir, 'node')));
  return first !== undefined && realpathSync(join(first, 'node')) === realpathSync(process.execPath);
};

/** Runs a bin shim as the server user would (or as us), never throwing on failure. */
export const runBin = (tool: string, args: readonly string[], options: { asServerUser?: boolean; cwd?: string } = {}): Promise<RunResult> =>
  runProcess(process.execPath, [join(root, 'bin', tool), ...args], {
    asServerUser: options.asServerUser ?? false,
    env: baseEnv(),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    timeoutMs: 120_000,
  });

/** Segments and partial segments, plain or compressed (not history or backup history files). */
export const SEGMENT_FILE = /^[0-9A-F]{24}(\.partial)?(\.(gz|lz4|zst))?$/;

export const segmentsIn = async (dir: string): Promise<string[]> =>
  (await readdir(dir)).filter((name) => SEGMENT_FILE.test(name)).sort();

/** Waits until the server's archiver reports `segment` (or a later file) archived. */
export const waitForArchived = async (cluster: PgCluster, archive: string, name: string, timeoutMs = 90_000): Promise<void> => {
  await waitFor(async () => existsSync(join(archive, name)), {
    timeoutMs,
    description: `${cluster.name} to archive ${name}`,
  });
};

export interface ArchiverStats {
  readonly archived: number;
  readonly failed: number;
  readonly lastArchived: string | null;
  readonly lastFailed: string | null;
}

export const archiverStats = async (cluster: PgCluster): Promise<ArchiverStats> => {
  const [row] = await cluster.sqlRows('SELECT archived_count, failed_count, last_archived_wal, last_failed_wal FROM pg_stat_archiver');
  return {
    archived: Number(row?.[0] ?? 0),
    failed: Number(row?.[1] ?? 0),
    lastArchived: row?.[2] ?? null,
    lastFailed: row?.[3] ?? null,
  };
};


/**
 * Load on `cluster`: pgbench 15 (Debian's; its client library talks to 14-18 alike), or, when
 * it is missing outside CI, an SQL loop of the same shape. Returns which one ran.
 * `onRun` is called when the initial data is in and the timed load begins.
 */
export const runLoad = async (cluster: PgCluster, seconds: number, onRun: () => void = () => undefined): Promise<'pgbench' | 'sql'> => {
  const env = baseEnv(cluster.clientEnv());
  if (toolUnavailableReason('pgbench') === undefined) {
    const pgbench = requireTool('pgbench');
    const init = await runProcess(pgbench, ['-i', '-s', '2', '-q'], { env, timeoutMs: 300_000 });
    if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
    onRun();
    const run = await runProcess(pgbench, ['-c', '2', '-j', '1', '-T', String(seconds), '-n'], { env, timeoutMs: 300_000 });
    if (run.code !== 0) throw new Error(`pgbench failed: ${run.stderr}`);
    return 'pgbench';
  }
  if (process.env['CI'] === 'true') throw new Error(`CI=true: pgbench is missing: ${toolUnavailableReason('pgbench') ?? ''}`);
  await cluster.sql(`CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, abalance int, filler char(84));
    INSERT INTO pgbench_accounts SELECT g, 0, '' FROM generate_series(1, 200000) g;`);
  onRun();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await cluster.sql(`UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 97 = ${Math.floor(Math.random() * 97)}`);
  }
  return 'sql';
};

/** What both sides must agree on after replay. */
export const dataFingerprint = (cluster: PgCluster): Promise<string> =>
  cluster.sql('SELECT count(*) || \'/\' || sum(abalance) || \'/\' || sum(hashtext(filler)) FROM pgbench_accounts');
