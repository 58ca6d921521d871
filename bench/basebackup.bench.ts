// basebackup against pg_basebackup 15 on a ≥ 1 GB database (a 15 server: Debian's
// pg_basebackup 15 refuses newer ones). The two tools alternate in one run, plain and tar,
// with -X stream -c fast, each into a fresh directory on the same disk; the median wall time
// of each is compared. Our peak RSS is read from /proc (VmHWM) while the child runs.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, TOOL_PATHS, locatePgBinaries } from '../test/harness/pg/binaries.js';
import { findFreePort } from '../test/harness/pg/ports.js';
import { baseEnv, runProcess } from '../test/harness/pg/run-process.js';
import { makeTempDir } from '../test/harness/pg/temp-dirs.js';
import { type BenchRow, median } from './result.js';
import { timed } from './timed-process.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const TARGET_BYTES = Number(process.env['BENCH_DB_BYTES'] ?? 1.1 * 1024 ** 3);

/** A 15 server of our own (the test harness's helpers need vitest, which a bench is not). */
const startServer = async (): Promise<{ host: string; port: number; sql: (q: string) => Promise<string>; stop: () => Promise<void> }> => {
  const found = locatePgBinaries(15);
  if (!found.ok) throw new Error(found.reason);
  const pg = found.value;
  const base = makeTempDir('ws-bench-pg15-');
  const data = join(base, 'data');
  const port = await findFreePort();
  const must = async (cmd: string, args: string[]): Promise<string> => {
    const r = await runProcess(cmd, args, { asServerUser: true, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await must(pg.initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const opts = `-p ${port} -k ${base} -c listen_addresses='' -c max_wal_size=4GB -c checkpoint_timeout=1h ` +
    '-c shared_buffers=128MB -c autovacuum=off';
  await must(pg.pgCtl, ['-D', data, '-o', opts, '-l', join(base, 'server.log'), '-w', 'start']);
  const psqlEnv = baseEnv({ PGHOST: base, PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'postgres' });
  const sql = async (q: string): Promise<string> => {
    const r = await runProcess(TOOL_PATHS.psql, ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', q],
      { env: psqlEnv, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
    return r.stdout.trim();
  };
  const stop = async (): Promise<void> => {
    await runProcess(pg.pgCtl, ['-D', data, '-m', 'immediate', 'stop'], { asServerUser: true });
    await rm(base, { recursive: true, force: true });
  };
  return { host: base, port, sql, stop };
};

export const run = async (): Promise<BenchRow[]> => {
  const primary = await startServer();
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
          const result = who === 'ours'
            ? await timed(process.execPath, [ours, ...args], env)
            : await timed(theirs, args, env);
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
