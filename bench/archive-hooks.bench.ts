// The archive hooks against their anchors, in one run on one disk:
// - archivewal per 16 MB segment vs `cp` then `sync FILE` of the same segment (fresh names
//   each round, alternating, medians), through node + dist and through the single
//   executable (what the docs recommend for hooks);
// - restorewal answering a missing file vs a bare `node -e 0` (ratio of medians);
// - restorewal serving a present 16 MB segment, plain and compressed (gzip, lz4, zstd), vs
//   `cp` of the plain segment: (ours − node -e 0) / cp, Node's own start being the only
//   extra cost allowed; started through its shim, as restore_command starts it (the shim
//   sets glibc's tunables for the Node it starts);
// - archivecleanup vs pg_archivecleanup 15 removing 90,000 of 100,000 files.
// Every child gets the same clean environment (baseEnv): a variable such as
// NODE_EXTRA_CA_CERTS would add tens of ms to every Node start and skew the ratios.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressBuffer } from '../src/core/compression/codec.js';
import { LONG_PAGE_HEADER_SIZE } from '../src/core/wal/page-header.js';
import { segmentFileName } from '../src/core/wal/segment-name.js';
import { REPO_ROOT, TOOL_PATHS } from '../test/harness/pg/binaries.js';
import { baseEnv } from '../test/harness/pg/run-process.js';
import { makeSegment as segmentWithHeader } from '../test/unit/tools/archive-hooks/wal-fixtures.js';
import { type BenchRow, median } from './result.js';
import { buildExecutable } from './single-executable.js';

const SEGMENTS = Number(process.env['BENCH_SEGMENTS'] ?? 20);
const MISSING_RUNS = Number(process.env['BENCH_MISSING_RUNS'] ?? 40);
const CLEANUP_FILES = Number(process.env['BENCH_CLEANUP_FILES'] ?? 100_000);
const PRESENT_RUNS = Number(process.env['BENCH_PRESENT_RUNS'] ?? 15);
const CLEANUP_ROUNDS = Number(process.env['BENCH_CLEANUP_ROUNDS'] ?? 3);
const SEG_SIZE = 16 * 1024 * 1024;
const node = process.execPath;
const bin = (tool: string): string => join(REPO_ROOT, 'bin', tool);

/** Wall time of one child process in ms; throws unless it exits with `expect`. */
const time = (command: string, args: readonly string[], expect = 0, cwd?: string): number => {
  const started = performance.now();
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: baseEnv(),
    ...(cwd === undefined ? {} : { cwd }),
  });
  const ms = performance.now() - started;
  if (result.status !== expect) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
};

/** A segment with a valid first page (the tests' fixture) and an incompressible-ish body. */
const makeSegment = (name: string, seed: number): Buffer => {
  const data = segmentWithHeader({ name, segmentSize: SEG_SIZE });
  for (let i = LONG_PAGE_HEADER_SIZE; i < SEG_SIZE; i += 4) data.writeUInt32LE((Math.imul(i, 2654435761) ^ seed) >>> 0, i);
  return data;
};

const benchArchivewal = (work: string): BenchRow[] => {
  const pgwal = join(work, 'pg_wal');
  const exe = buildExecutable(join(work, 'exe'), 'archivewal');
  const pushers = {
    'cp + sync': (source: string, name: string) => ['sh', '-c', `cp "${source}" "${name}" && sync "${name}"`],
    'node bin/archivewal': (source: string) => [node, bin('archivewal'), source, '.'],
    'single executable': (source: string) => [exe, source, '.'],
  } as const;
  const ms: Record<string, number[]> = {};
  // Each pusher archives into a directory of its own (its cwd), from the same pg_wal.
  const archiveOf: Record<string, string> = {};
  Object.keys(pushers).forEach((who, i) => {
    archiveOf[who] = join(work, `archive-${i}`);
    mkdirSync(archiveOf[who]);
    ms[who] = [];
  });
  mkdirSync(pgwal);
  const names: string[] = [];
  for (let i = 0; i < SEGMENTS; i += 1) {
    const name = segmentFileName(1, BigInt(i + 1), SEG_SIZE);
    writeFileSync(join(pgwal, name), makeSegment(name, i + 1));
    names.push(name);
  }
  spawnSync('sync');
  for (const name of names) {
    for (const [who, command] of Object.entries(pushers)) {
      const [cmd = '', ...args] = command(join(pgwal, name), name);
      (ms[who] as number[]).push(time(cmd, args, 0, archiveOf[who]));
    }
  }
  const c = median(ms['cp + sync'] as number[]);
  return (['node bin/archivewal', 'single executable'] as const).map((who) => {
    const o = median(ms[who] as number[]);
    return {
      work: `archivewal (${who}), one 16 MB segment (${SEGMENTS} runs)`,
      ours: `${o.toFixed(0)} ms`,
      anchorName: 'cp + sync',
      anchor: `${c.toFixed(0)} ms`,
      ratio: o / c,
      target: 1.5,
      notes: `${(1000 / o).toFixed(1)} segments/s (cp + sync ${(1000 / c).toFixed(1)})`,
    };
  });
};

const benchMissing = (work: string): BenchRow => {
  const archive = join(work, 'archive-empty');
  mkdirSync(archive);
  const oursMs: number[] = [];
  const nodeMs: number[] = [];
  const args = [bin('restorewal'), '0000000100000000000000FF', 'pg_wal/RECOVERYXLOG', archive];
  time(node, args, 1, work);
  for (let i = 0; i < MISSING_RUNS; i += 1) {
    nodeMs.push(time(node, ['-e', '0']));
    oursMs.push(time(node, args, 1, work));
  }
  const o = median(oursMs);
  const n = median(nodeMs);
  return {
    work: `restorewal, file not in archive (${MISSING_RUNS} runs)`,
    ours: `${o.toFixed(1)} ms`,
    anchorName: 'node -e 0',
    anchor: `${n.toFixed(1)} ms`,
    ratio: o / n,
    target: 1.25,
  };
};

/**
 * A segment as a busy server leaves it: its first half written (records that compress
 * about as WAL does, to ~40 %), the rest still the zeros it was created with.
 */
const walLikeSegment = (name: string): Buffer => {
  const data = segmentWithHeader({ name, segmentSize: SEG_SIZE });
  const text = Buffer.from('INSERT INTO accounts VALUES (');
  for (let i = LONG_PAGE_HEADER_SIZE; i < SEG_SIZE / 2; i += 64) {
    text.copy(data, i);
    data.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i + 32);
    data.writeUInt32LE((i * 7) >>> 0, i + 40);
  }
  return data;
};

/** pg_control's size on disk (PG_CONTROL_FILE_SIZE); xlp_sysid's offset in a long page header. */
const PG_CONTROL_FILE_SIZE = 8192;
const SYSTEM_ID_OFFSET_IN_PAGE = 24;

const benchPresent = async (work: string): Promise<BenchRow[]> => {
  const name = segmentFileName(1, 0x42n, SEG_SIZE);
  const segment = walLikeSegment(name);
  const rows: BenchRow[] = [];
  const pgwal = join(work, 'present', 'pg_wal');
  mkdirSync(pgwal, { recursive: true });
  const target = join(pgwal, 'RECOVERYXLOG');
  // restore_command runs in the data directory, whose pg_control names the system the WAL
  // must belong to: its first field, the system identifier, is all the hook reads of it.
  mkdirSync(join(work, 'present', 'global'));
  const control = Buffer.alloc(PG_CONTROL_FILE_SIZE);
  segment.copy(control, 0, SYSTEM_ID_OFFSET_IN_PAGE, SYSTEM_ID_OFFSET_IN_PAGE + 8);
  writeFileSync(join(work, 'present', 'global', 'pg_control'), control);
  const plainArchive = join(work, 'present', 'archive-none');
  mkdirSync(plainArchive);
  writeFileSync(join(plainArchive, name), segment);
  for (const [method, suffix] of [['none', ''], ['gzip', '.gz'], ['lz4', '.lz4'], ['zstd', '.zst']] as const) {
    const archive = join(work, 'present', `archive-${method}`);
    if (method !== 'none') {
      mkdirSync(archive);
      writeFileSync(join(archive, `${name}${suffix}`), await compressBuffer(segment, { method, level: method === 'zstd' ? 3 : -1 }));
    }
    spawnSync('sync');
    const oursMs: number[] = [];
    const cpMs: number[] = [];
    const nodeMs: number[] = [];
    const args = [name, 'pg_wal/RECOVERYXLOG', archive];
    // Round 0 warms the page cache and the code caches after the files were written and
    // synced; it is not counted (it made the first row's `node -e 0` median ~10 ms higher).
    for (let i = 0; i <= PRESENT_RUNS; i += 1) {
      const n = time(node, ['-e', '0']);
      rmSync(target, { force: true });
      const c = time('cp', [join(plainArchive, name), target]);
      rmSync(target, { force: true });
      const o = time(bin('restorewal'), args, 0, join(work, 'present'));
      if (i === 0) continue;
      nodeMs.push(n);
      cpMs.push(c);
      oursMs.push(o);
    }
    const [o, c, n] = [median(oursMs), median(cpMs), median(nodeMs)];
    rows.push({
      work: `restorewal (its shim), present 16 MB segment, ${method === 'none' ? 'plain' : method} (${PRESENT_RUNS} runs)`,
      ours: `${o.toFixed(0)} ms`,
      anchorName: 'cp (plain segment)',
      anchor: `${c.toFixed(1)} ms`,
      ratio: (o - n) / c,
      target: 1.5,
      notes: `(ours − node -e 0 ${n.toFixed(0)} ms) / cp`,
    });
  }
  return rows;
};

const fillArchive = (dir: string): string => {
  mkdirSync(dir);
  let cutoff = '';
  for (let i = 0; i < CLEANUP_FILES; i += 1) {
    const name = segmentFileName(1, BigInt(i + 1), SEG_SIZE);
    writeFileSync(join(dir, name), '');
    if (i === Math.floor(CLEANUP_FILES * 0.9)) cutoff = name;
  }
  return cutoff;
};

const benchCleanup = (work: string): BenchRow => {
  const oursMs: number[] = [];
  const pgMs: number[] = [];
  for (let round = 0; round < CLEANUP_ROUNDS; round += 1) {
    const a = join(work, `cleanup-pg-${round}`);
    const b = join(work, `cleanup-ours-${round}`);
    const cutoff = fillArchive(a);
    fillArchive(b);
    spawnSync('sync');
    pgMs.push(time(TOOL_PATHS.pg_archivecleanup, [a, cutoff]));
    oursMs.push(time(node, [bin('archivecleanup'), b, cutoff]));
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
  const o = median(oursMs);
  const p = median(pgMs);
  return {
    work: `archivecleanup, ${CLEANUP_FILES.toLocaleString('en')} files, 90% removed`,
    ours: `${o.toFixed(0)} ms`,
    anchorName: 'pg_archivecleanup',
    anchor: `${p.toFixed(0)} ms`,
    ratio: o / p,
    target: 1.1,
  };
};

export const run = async (): Promise<BenchRow[]> => {
  // On disk next to the other benchmarks' data, not in a tmpfs: fsync must cost what it costs.
  const work = mkdtempSync(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ws-bench-archive-'));
  try {
    return [...benchArchivewal(work), benchMissing(work), ...(await benchPresent(work)), benchCleanup(work)];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
