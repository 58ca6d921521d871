// basebackup against pg_basebackup 15 (a 15 server: Debian's pg_basebackup 15 refuses newer
// ones) at three sizes of one growing database: a fresh cluster (~40 MB with its WAL), then
// ~400 MB, then ~1.5 GB. At each size the two tools alternate, plain and tar, -X stream -c
// fast, each into a fresh directory on the same disk, after a sync and a pause so neither pays
// for the other's write-back. At ~400 MB, tar with client-side -Z gzip, lz4 and zstd as well.
//
// The figure is (ours − one bare `node -e 0`) / pg_basebackup, the node start measured in the
// same rounds: the only extra cost allowed is Node's own start. Ours runs through its shim, as
// users run it (the shebang carries its V8 settings); our peak RSS is read from /proc (VmHWM).
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { REPO_ROOT, TOOL_PATHS } from '../test/harness/pg/binaries.js';
import { baseEnv, runProcess } from '../test/harness/pg/run-process.js';
import { makeTempDir } from '../test/harness/pg/temp-dirs.js';
import { type BenchRow, median } from './result.js';
import { type BenchServer, startBenchServer } from './bench-server.js';
import { timed } from './timed-process.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const SETTLE_MS = Number(process.env['BENCH_SETTLE_MS'] ?? 2000);
/**
 * Database sizes after the fresh cluster; BENCH_DB_SIZES=0.4 runs the first two only. The
 * client-side compression rows run at the first of them.
 */
const SIZES_GB = (process.env['BENCH_DB_SIZES'] ?? '0.4,1.5').split(',').map(Number).filter((x) => x > 0);
/** BENCH_ONLY=lz4|zstd (a regular expression): only the variants whose label matches run. */
const ONLY = new RegExp(process.env['BENCH_ONLY'] ?? '');

interface Variant {
  readonly label: string;
  readonly args: readonly string[];
}

const PLAIN: Variant = { label: 'plain', args: ['-F', 'p'] };
const TAR: Variant = { label: 'tar', args: ['-F', 't'] };
const COMPRESSED: readonly Variant[] = ['gzip', 'lz4', 'zstd'].map((method) => ({
  label: `tar -Z client-${method}`, args: ['-F', 't', '-Z', `client-${method}`],
}));

const selected = (variant: Variant): boolean => ONLY.test(variant.label);

const databaseBytes = async (server: BenchServer): Promise<number> =>
  Number(await server.sql('SELECT sum(pg_database_size(datname)) FROM pg_database'));

/**
 * Grows the bench table until the databases hold `bytes` (fillfactor 10: few rows, many
 * pages), each batch numbering its rows on from the table's highest id.
 */
const growTo = async (server: BenchServer, bytes: number): Promise<void> => {
  while (await databaseBytes(server) < bytes) {
    await server.sql('INSERT INTO bulk SELECT g, repeat(md5(g::text), 6) FROM ' +
      '(SELECT coalesce(max(id) + 1, 0) AS first FROM bulk) m, generate_series(m.first, m.first + 199999) g');
  }
  await server.sql('CHECKPOINT');
};

const compare = async (server: BenchServer, variant: Variant, sizeText: string, work: string): Promise<BenchRow> => {
  const env = baseEnv();
  const conn = ['-h', server.host, '-p', String(server.port), '-U', 'postgres', '-w', '-X', 'stream', '-c', 'fast'];
  const ours = join(REPO_ROOT, 'bin', 'basebackup');
  const samples = { ours: [] as number[], theirs: [] as number[], node: [] as number[] };
  let peak = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which tool goes first, so page-cache warmth favours neither.
    const order = round % 2 === 0 ? (['theirs', 'ours'] as const) : (['ours', 'theirs'] as const);
    samples.node.push((await timed(process.execPath, ['-e', '0'], env)).ms);
    for (const who of order) {
      const dir = join(work, `${who}-${round}`);
      await runProcess('/bin/sync', []);
      await sleep(SETTLE_MS);
      const result = await timed(who === 'ours' ? ours : TOOL_PATHS.pg_basebackup, ['-D', dir, ...variant.args, ...conn], env);
      samples[who].push(result.ms);
      if (who === 'ours') peak = Math.max(peak, result.peakRssKb);
      await rm(dir, { recursive: true, force: true });
    }
  }
  const [o, t, n] = [median(samples.ours), median(samples.theirs), median(samples.node)];
  const list = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join('/');
  process.stderr.write(`bench: basebackup ${variant.label} ${sizeText}: ours ${list(samples.ours)} ms, ` +
    `pg_basebackup ${list(samples.theirs)} ms, node -e 0 ${list(samples.node)} ms\n`);
  return {
    work: `base backup, ${variant.label}, -X stream -c fast, ${sizeText}`,
    ours: `${(o / 1000).toFixed(2)} s`,
    anchorName: 'pg_basebackup 15',
    anchor: `${(t / 1000).toFixed(2)} s`,
    ratio: (o - n) / t,
    target: 1.0,
    notes: `(ours − node -e 0 ${n.toFixed(0)} ms) / theirs; peak RSS ${(peak / 1024).toFixed(0)} MB; median of ${ROUNDS}`,
  };
};

export const run = async (): Promise<BenchRow[]> => {
  const server = await startBenchServer('ws-bench-pg15-');
  const work = makeTempDir('ws-bench-bb-');
  try {
    const rows: BenchRow[] = [];
    await server.sql('CHECKPOINT');
    const sizeText = async (): Promise<string> => {
      const bytes = await databaseBytes(server);
      return bytes < 1024 ** 3 ? `${Math.round(bytes / 1024 ** 2)} MB` : `${(bytes / 1024 ** 3).toFixed(2)} GB`;
    };
    const fresh = `fresh cluster (${await sizeText()} of databases)`;
    for (const variant of [PLAIN, TAR].filter(selected)) rows.push(await compare(server, variant, fresh, work));
    await server.sql('CREATE TABLE bulk (id int, pad text) WITH (fillfactor = 10)');
    for (const [index, gb] of SIZES_GB.entries()) {
      await growTo(server, gb * 1024 ** 3);
      const size = await sizeText();
      const variants = index === 0 ? [PLAIN, TAR, ...COMPRESSED] : [PLAIN, TAR];
      for (const variant of variants.filter(selected)) rows.push(await compare(server, variant, size, work));
    }
    return rows;
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
};
