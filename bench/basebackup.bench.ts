// basebackup against pg_basebackup 15 on a ≥ 1 GB database (a 15 server: Debian's
// pg_basebackup 15 refuses newer ones). The two tools alternate in one run, plain and tar,
// with -X stream -c fast, each into a fresh directory on the same disk; the median wall time
// of each is compared. Our peak RSS is read from /proc (VmHWM) while the child runs. Ours
// runs through its shim, as users run it (the shebang carries its V8 settings).
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { REPO_ROOT, TOOL_PATHS } from '../test/harness/pg/binaries.js';
import { baseEnv, runProcess } from '../test/harness/pg/run-process.js';
import { makeTempDir } from '../test/harness/pg/temp-dirs.js';
import { type BenchRow, median } from './result.js';
import { startBenchServer } from './bench-server.js';
import { timed } from './timed-process.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const TARGET_BYTES = Number(process.env['BENCH_DB_BYTES'] ?? 1.1 * 1024 ** 3);
const SETTLE_MS = Number(process.env['BENCH_SETTLE_MS'] ?? 3000);

export const run = async (): Promise<BenchRow[]> => {
  const primary = await startBenchServer('ws-bench-pg15-');
  try {
    // fillfactor 10 makes a large table from few rows, so the database is quick to build.
    await primary.sql('CREATE TABLE bulk (id int, pad text) WITH (fillfactor = 10)');
    const rowsPerBatch = 200_000;
    for (let batch = 0; ; batch += 1) {
      const size = Number(await primary.sql("SELECT pg_database_size(current_database())"));
      if (size >= TARGET_BYTES) break;
      await primary.sql(`INSERT INTO bulk SELECT g, repeat(md5(g::text), 6) FROM generate_series(${batch * rowsPerBatch}, ${(batch + 1) * rowsPerBatch - 1}) g`);
    }
    await primary.sql('CHECKPOINT');
    const dbBytes = Number(await primary.sql('SELECT sum(pg_database_size(datname)) FROM pg_database'));
    const env = baseEnv();
    const conn = ['-h', primary.host, '-p', String(primary.port), '-U', 'postgres', '-w', '-X', 'stream', '-c', 'fast'];
    const work = makeTempDir('ws-bench-bb-');
    const ours = join(REPO_ROOT, 'bin', 'basebackup');
    const theirs = TOOL_PATHS.pg_basebackup;
    const rows: BenchRow[] = [];
    for (const format of ['plain', 'tar'] as const) {
      const oursMs: number[] = [];
      const theirsMs: number[] = [];
      let peak = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        // Alternate which tool goes first, so page-cache warmth favours neither.
        const order = round % 2 === 0 ? ['theirs', 'ours'] : ['ours', 'theirs'];
        for (const who of order) {
          const dir = join(work, `${who}-${format}-${round}`);
          const args = ['-D', dir, '-F', format === 'plain' ? 'p' : 't', ...conn];
          // Each run starts with the disk quiet: no write-back of the previous run to pay for.
          await runProcess('/bin/sync', []);
          await sleep(SETTLE_MS);
          const result = await timed(who === 'ours' ? ours : theirs, args, env);
          (who === 'ours' ? oursMs : theirsMs).push(result.ms);
          if (who === 'ours') peak = Math.max(peak, result.peakRssKb);
          await rm(dir, { recursive: true, force: true });
        }
      }
      const o = median(oursMs);
      const t = median(theirsMs);
      process.stderr.write(`bench: basebackup ${format}: ours ${oursMs.map((x) => x.toFixed(0)).join('/')} ms, ` +
        `pg_basebackup ${theirsMs.map((x) => x.toFixed(0)).join('/')} ms\n`);
      rows.push({
        work: `base backup, ${format}, -X stream -c fast, ${(dbBytes / 1024 ** 3).toFixed(2)} GB`,
        ours: `${(o / 1000).toFixed(2)} s (${(dbBytes / 1048576 / (o / 1000)).toFixed(0)} MB/s)`,
        anchorName: 'pg_basebackup 15',
        anchor: `${(t / 1000).toFixed(2)} s`,
        ratio: o / t,
        target: 1.0,
        notes: `peak RSS ${(peak / 1024).toFixed(0)} MB; median of ${ROUNDS}`,
      });
    }
    return rows;
  } finally {
    await primary.stop();
  }
};
