// receivewal against pg_receivewal 15 (which streams from servers up to 15 only, hence a 15
// server) over the same ≥ 1 GB range of WAL, kept by a slot neither receiver uses. Both start
// after the same seeded segment and stop at the same --endpos, fsync on, into a fresh
// directory on the same disk, alternating for several rounds; medians are compared. The
// archives of the first round must be identical. Our peak RSS is read from /proc (VmHWM).
// Then a short run, one segment after the seed (-E at its end), where start-up and the first
// byte written are the cost: the figure is (ours − node -e 0 of the same rounds) / theirs.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, TOOL_PATHS } from '../test/harness/pg/binaries.js';
import { baseEnv, runProcess } from '../test/harness/pg/run-process.js';
import { makeTempDir } from '../test/harness/pg/temp-dirs.js';
import { type BenchRow, median } from './result.js';
import { type BenchServer, startBenchServer } from './bench-server.js';
import { timed } from './timed-process.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const WAL_BYTES = Math.round(Number(process.env['BENCH_WAL_BYTES'] ?? 1.05 * 1024 ** 3));
const SEGMENT = 16 * 1024 * 1024;
const RSS_TARGET_MB = 150;
const SETTLE_MS = Number(process.env['BENCH_SETTLE_MS'] ?? 5000);
/** One segment's run writes 16 MB: a shorter pause lets its write-back finish. */
const SHORT_SETTLE_MS = Math.min(SETTLE_MS, 1000);

const lsnText = (lsn: bigint): string => `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
const lsnOf = (text: string): bigint => {
  const [hi = '0', lo = '0'] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};
const segmentName = (lsn: bigint): string => {
  const segno = lsn / BigInt(SEGMENT);
  const hex = (v: bigint): string => v.toString(16).toUpperCase().padStart(8, '0');
  return `00000001${hex(segno / 256n)}${hex(segno % 256n)}`;
};

const sameArchives = (a: string, b: string): boolean => {
  const names = readdirSync(a).sort();
  if (names.join() !== readdirSync(b).sort().join()) return false;
  return names.every((n) => readFileSync(join(a, n)).equals(readFileSync(join(b, n))));
};

interface Race {
  readonly server: BenchServer;
  /** The segment both receivers find in their directory and resume after. */
  readonly seed: string;
  /** Where both stop (-E is the last byte before it). */
  readonly end: bigint;
  readonly env: NodeJS.ProcessEnv;
  readonly work: string;
  readonly settleMs: number;
}

/** Both receivers over the same range, alternating, each into a fresh directory. */
const race = async ({ server, seed, end, env, work, settleMs }: Race) => {
  const conn = ['-h', server.host, '-p', String(server.port), '-U', 'postgres', '-w', '-n', '-E', lsnText(end - 1n)];
  const runners = {
    // The shim itself, as users run it (its shebang carries the tool's V8 heap setting).
    ours: (dir: string) => timed(join(REPO_ROOT, 'bin', 'receivewal'), ['-D', dir, ...conn], env, 20),
    theirs: (dir: string) => timed(TOOL_PATHS.pg_receivewal, ['-D', dir, ...conn], env, 20),
  };
  const times = { ours: [] as number[], theirs: [] as number[], node: [] as number[] };
  let peak = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    times.node.push((await timed(process.execPath, ['-e', '0'], env)).ms);
    const order = round % 2 === 0 ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const);
    for (const who of order) {
      const dir = join(work, `${who}-${round}`);
      mkdirSync(dir);
      copyFileSync(join(server.walDir, seed), join(dir, seed));
      // Start each run with the disk quiet: no write-back of the previous run left to pay
      // for, and a pause, since a virtual disk keeps draining its own cache for a while.
      await runProcess('/bin/sync', []);
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      const result = await runners[who](dir);
      times[who].push(result.ms);
      if (who === 'ours') peak = Math.max(peak, result.peakRssKb);
      if (round > 0) await rm(dir, { recursive: true, force: true });
    }
    if (round === 0) {
      if (!sameArchives(join(work, 'ours-0'), join(work, 'theirs-0'))) {
        throw new Error('receivewal and pg_receivewal archived different bytes');
      }
      for (const who of ['ours', 'theirs'] as const) await rm(join(work, `${who}-0`), { recursive: true, force: true });
    }
  }
  const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join('/');
  process.stderr.write(`bench: receivewal up to ${lsnText(end)}: ours ${list(times.ours)} ms, ` +
    `pg_receivewal ${list(times.theirs)} ms, node -e 0 ${list(times.node)} ms\n`);
  return { times, peak };
};

export const run = async (): Promise<BenchRow[]> => {
  const server = await startBenchServer('ws-bench-rw-pg15-', '-c wal_level=replica -c max_wal_senders=4');
  try {
    // The slot keeps the range; no receiver streams through it, so it never moves.
    const start = lsnOf(await server.sql("SELECT lsn FROM pg_create_physical_replication_slot('keep', true, false)"));
    await server.sql('CREATE TABLE filler (id int, pad text)');
    for (let batch = 0; ; batch += 1) {
      const now = lsnOf(await server.sql('SELECT pg_current_wal_lsn()'));
      if (now - start >= BigInt(WAL_BYTES)) break;
      await server.sql(`INSERT INTO filler SELECT g, repeat(md5(g::text), 15) FROM generate_series(1, 200000) g`);
    }
    const switched = lsnOf(await server.sql('SELECT pg_switch_wal()'));
    const seed = segmentName(start);
    const first = (start / BigInt(SEGMENT) + 1n) * BigInt(SEGMENT);
    const end = (switched / BigInt(SEGMENT) + 1n) * BigInt(SEGMENT);
    const bytes = Number(end - first);
    const env = baseEnv();
    const work = makeTempDir('ws-bench-rw-');
    const long = await race({ server, seed, end, env, work, settleMs: SETTLE_MS });
    const short = await race({ server, seed, end: first + BigInt(SEGMENT), env, work, settleMs: SHORT_SETTLE_MS });
    await rm(work, { recursive: true, force: true });
    const [o, t] = [median(long.times.ours), median(long.times.theirs)];
    const mbps = (ms: number): string => (bytes / 1048576 / (ms / 1000)).toFixed(0);
    const peakMb = long.peak / 1024;
    const [so, st, sn] = [median(short.times.ours), median(short.times.theirs), median(short.times.node)];
    return [{
      work: `stream ${(bytes / 1024 ** 3).toFixed(2)} GB of WAL (16 MB segments, fsync on)`,
      ours: `${(o / 1000).toFixed(2)} s (${mbps(o)} MB/s)`,
      anchorName: 'pg_receivewal 15',
      anchor: `${(t / 1000).toFixed(2)} s (${mbps(t)} MB/s)`,
      ratio: o / t,
      target: 1.0,
      notes: `peak RSS ${peakMb.toFixed(0)} MB (target ≤ ${RSS_TARGET_MB}); median of ${ROUNDS}`,
      extraPass: peakMb <= RSS_TARGET_MB,
    }, {
      work: 'stream one 16 MB segment (-E at its end, fsync on)',
      ours: `${so.toFixed(0)} ms`,
      anchorName: 'pg_receivewal 15',
      anchor: `${st.toFixed(0)} ms`,
      ratio: (so - sn) / st,
      target: 1.0,
      notes: `(ours − node -e 0 ${sn.toFixed(0)} ms) / theirs; median of ${ROUNDS}`,
    }];
  } finally {
    await server.stop();
  }
};
