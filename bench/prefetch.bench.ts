// restorewal --prefetch against plain restorewal: two archive-only standbys of one primary,
// made before the WAL exists, replay the same archive (lz4-compressed segments in a directory,
// and the same WAL in an RGW bucket when Ceph is installed); the time from starting each
// standby until it has replayed the last LSN is compared. BENCH_WAL_MB sets the amount of
// WAL (the figure is 1 GB; the default keeps a run short). A third standby replays the
// same WAL with `cp` from a plain directory on the same disk: the replay floor, which no
// restore_command can beat here, printed beside each row.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/harness/pg/binaries.js';
import type { PgCluster } from '../test/harness/pg/cluster.js';
import { chownToServerUser } from '../test/harness/pg/server-user.js';
import { startStandby } from '../test/harness/pg/standby.js';
import { startCluster } from '../test/harness/pg/start-cluster.js';
import { makeTempDir } from '../test/harness/pg/temp-dirs.js';
import { waitFor } from '../test/harness/pg/wait.js';
import { generateWal, switchWal, waitForReplay } from '../test/harness/pg/wal.js';
import { startBenchRgw } from './bench-rgw.js';
import type { BenchRow } from './result.js';

/** A hook as the server runs it: the bin shim as a command (its #! line), as users name it. */
const hook = (tool: string, args: string): string => `${join(REPO_ROOT, 'bin', tool)} ${args}`;

const lastArchived = async (cluster: PgCluster): Promise<string> =>
  (await cluster.sql('SELECT coalesce(last_archived_wal, \'\') FROM pg_stat_archiver')).trim();

const WAL_MB = Number(process.env['BENCH_WAL_MB'] ?? 256);
const PREFETCH = Number(process.env['BENCH_PREFETCH'] ?? 8);

/** Replay time of each standby, started one after the other, until `lsn`. */
const replayTimes = async (standbys: readonly PgCluster[], lsn: bigint): Promise<number[]> => {
  const times: number[] = [];
  for (const standby of standbys) {
    const started = performance.now();
    await standby.start();
    await waitForReplay(standby, lsn, 1_800_000);
    times.push(performance.now() - started);
    await standby.stop('immediate');
  }
  return times;
};

const compare = async (label: string, archiveCommand: string, restore: (extra: string) => string, target: number): Promise<BenchRow> => {
  // Each segment is also copied (not durably: this is only the floor's source) for `cp`.
  const copies = makeTempDir('ws-bench-prefetch-copies-');
  const primary = await startCluster(15, {
    archive: { mode: 'on', command: `${archiveCommand} && cp %p ${copies}/%f` },
    conf: ["max_wal_size = '4GB'"],
  });
  const spool = join(makeTempDir('ws-bench-prefetch-'), 'spool');
  const floor = await startStandby(primary, { name: 'floor', streaming: false, restoreCommand: `cp ${copies}/%f %p`, start: false });
  const plain = await startStandby(primary, { name: 'plain', streaming: false, restoreCommand: restore(''), start: false });
  const prefetching = await startStandby(primary, {
    name: 'prefetching', streaming: false, start: false,
    restoreCommand: restore(`--prefetch ${PREFETCH} --spool ${spool}`),
  });
  try {
    await generateWal(primary, WAL_MB * 1024 * 1024, { method: 'rows' });
    const { lsn, segment } = await switchWal(primary);
    await waitFor(async () => (await lastArchived(primary)) >= segment, { timeoutMs: 1_800_000, description: 'archiving' });
    const [plainMs = 0, prefetchMs = 0, floorMs = 0] = await replayTimes([plain, prefetching, floor], lsn);
    return {
      work: `standby catch-up from ${label}, ${WAL_MB} MB of WAL, --prefetch ${PREFETCH}`,
      ours: `${(prefetchMs / 1000).toFixed(1)} s`,
      anchorName: 'restorewal without --prefetch',
      anchor: `${(plainMs / 1000).toFixed(1)} s`,
      ratio: prefetchMs / plainMs,
      target,
      notes: `${(plainMs / prefetchMs).toFixed(2)} × faster; floor (cp from a plain directory) ${(floorMs / 1000).toFixed(1)} s`,
    };
  } finally {
    await prefetching.destroy();
    await plain.destroy();
    await floor.destroy();
    await primary.destroy();
  }
};

export const run = async (): Promise<BenchRow[]> => {
  const archive = makeTempDir('ws-bench-prefetch-archive-');
  const rows = [await compare('an lz4 directory archive', hook('archivewal', `-Z lz4 %p ${archive}`),
    (extra) => hook('restorewal', `${extra} %f %p ${archive}`), 0.67)];
  const rgw = await startBenchRgw('bench');
  try {
    const config = join(makeTempDir('ws-bench-s3conf-'), 's3.conf');
    writeFileSync(config, `endpoint_url = ${rgw.endpoint}\naws_access_key_id = ${rgw.accessKey}\naws_secret_access_key = ${rgw.secretKey}\n`, { mode: 0o600 });
    await chownToServerUser(config);
    rows.push(await compare('an RGW bucket', hook('archivewal', `--s3-config ${config} %p s3://bench/wal`),
      (extra) => hook('restorewal', `--s3-config ${config} ${extra} %f %p s3://bench/wal`), 0.33));
  } finally {
    rgw.stop();
  }
  return rows;
};
