// The archive hooks against their anchors, in one run on one disk:
// - archivewal per 16 MB segment vs `cp` then `sync FILE` of the same segment (fresh names
//   each round, alternating, medians);
// - restorewal answering a missing file vs a bare `node -e 0` (ratio of medians);
// - archivecleanup vs pg_archivecleanup 15 removing 90,000 of 100,000 files.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { segmentFileName } from '../src/core/wal/segment-name.js';
import { REPO_ROOT, TOOL_PATHS } from '../test/harness/pg/binaries.js';
import { type BenchRow, median } from './result.js';

const SEGMENTS = Number(process.env['BENCH_SEGMENTS'] ?? 10);
const MISSING_RUNS = Number(process.env['BENCH_MISSING_RUNS'] ?? 40);
const CLEANUP_FILES = Number(process.env['BENCH_CLEANUP_FILES'] ?? 100_000);
const CLEANUP_ROUNDS = Number(process.env['BENCH_CLEANUP_ROUNDS'] ?? 3);
const SEG_SIZE = 16 * 1024 * 1024;
const SYSID = 7300000000000000001n;
const node = process.execPath;
const bin = (tool: string): string => join(REPO_ROOT, 'bin', tool);

/** Wall time of one child process in ms; throws unless it exits with `expect`. */
const time = (command: string, args: readonly string[], expect = 0, cwd?: string): number => {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
  const ms = performance.now() - started;
  if (result.status !== expect) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
};

/** A segment with a valid first page and an incompressible-ish body, like busy WAL. */
const makeSegment = (segno: bigint): Buffer => {
  const data = Buffer.alloc(SEG_SIZE);
  for (let i = 0; i < SEG_SIZE; i += 4) data.writeUInt32LE((Math.imul(i, 2654435761) ^ Number(segno)) >>> 0, i);
  data.fill(0, 0, 40);
  data.writeUInt16LE(0xd110, 0);
  data.writeUInt16LE(2, 2);
  data.writeUInt32LE(1, 4);
  data.writeBigUInt64LE(segno * BigInt(SEG_SIZE), 8);
  data.writeBigUInt64LE(SYSID, 24);
  data.writeUInt32LE(SEG_SIZE, 32);
  data.writeUInt32LE(8192, 36);
  return data;
};

const benchArchivewal = (work: string): BenchRow => {
  const pgwal = join(work, 'pg_wal');
  const ours = join(work, 'archive-ours');
  const theirs = join(work, 'archive-cp');
  for (const dir of [pgwal, ours, theirs]) mkdirSync(dir);
  const names: string[] = [];
  for (let i = 0; i < SEGMENTS; i += 1) {
    const name = segmentFileName(1, BigInt(i + 1), SEG_SIZE);
    writeFileSync(join(pgwal, name), makeSegment(BigInt(i + 1)));
    names.push(name);
  }
  spawnSync('sync');
  const oursMs: number[] = [];
  const cpMs: number[] = [];
  for (const name of names) {
    const source = join('pg_wal', name);
    cpMs.push(time('sh', ['-c', `cp "${source}" "${theirs}/${name}" && sync "${theirs}/${name}"`], 0, work));
    oursMs.push(time(node, [bin('archivewal'), source, ours], 0, work));
  }
  const o = median(oursMs);
  const c = median(cpMs);
  return {
    work: `archivewal, one 16 MB segment (${SEGMENTS} runs)`,
    ours: `${o.toFixed(0)} ms`,
    anchorName: 'cp + sync',
    anchor: `${c.toFixed(0)} ms`,
    ratio: o / c,
    target: 1.5,
    notes: `${(1000 / o).toFixed(1)} segments/s (cp + sync ${(1000 / c).toFixed(1)})`,
  };
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
    target: 1.5,
  };
};

export const run = async (): Promise<BenchRow[]> => {
  // On disk next to the other benchmarks' data, not in a tmpfs: fsync must cost what it costs.
  const work = mkdtempSync(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ws-bench-archive-'));
  try {
    return [benchArchivewal(work), benchMissing(work), benchCleanup(work)];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
