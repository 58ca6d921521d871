// The archive hooks against an S3 store (the RADOS Gateway of a throw-away one-node Ceph
// cluster, started here as the tests start it), in one run:
// - archivewal of one 16 MB segment into a bucket vs into a local directory: what the object
//   store itself costs per segment (alternating, fresh names, medians);
// - restorewal answering "not in the archive" from a bucket vs a bare `node -e 0`, with one
//   request's round trip (measured with curl against the same gateway) allowed on top.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { segmentFileName } from '../src/core/wal/segment-name.js';
import { REPO_ROOT } from '../test/harness/pg/binaries.js';
import { baseEnv } from '../test/harness/pg/run-process.js';
import { makeSegment } from '../test/unit/tools/archive-hooks/wal-fixtures.js';
import { startBenchRgw } from './bench-rgw.js';
import { type BenchRow, median } from './result.js';

const SEGMENTS = Number(process.env['BENCH_SEGMENTS'] ?? 20);
const MISSING_RUNS = Number(process.env['BENCH_MISSING_RUNS'] ?? 40);
const SEG_SIZE = 16 * 1024 * 1024;
const node = process.execPath;
const bin = (tool: string): string => join(REPO_ROOT, 'bin', tool);

const time = (command: string, args: readonly string[], env: NodeJS.ProcessEnv, expect: number, cwd?: string): number => {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env, ...(cwd === undefined ? {} : { cwd }) });
  const ms = performance.now() - started;
  if (result.status !== expect) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
};

export const run = async (): Promise<BenchRow[]> => {
  const work = mkdtempSync(join(process.env['BENCH_DIR'] ?? tmpdir(), 'ws-bench-s3-'));
  const rgw = await startBenchRgw('bench');
  try {
    const env = baseEnv({ AWS_ACCESS_KEY_ID: rgw.accessKey, AWS_SECRET_ACCESS_KEY: rgw.secretKey, AWS_ENDPOINT_URL: rgw.endpoint, HOME: work });
    const values = { RGW_ENDPOINT: rgw.endpoint, RGW_ACCESS_KEY: rgw.accessKey, RGW_SECRET_KEY: rgw.secretKey };
    return [benchPush(work, env, values), benchMissing(work, env, values)];
  } finally {
    rgw.stop();
    rmSync(work, { recursive: true, force: true });
  }
};

const benchPush = (work: string, env: NodeJS.ProcessEnv, values: Record<string, string>): BenchRow => {
  const pgwal = join(work, 'pg_wal');
  const local = join(work, 'archive');
  mkdirSync(pgwal);
  mkdirSync(local);
  const bucketMs: number[] = [];
  const localMs: number[] = [];
  const curlMs: number[] = [];
  for (let i = 0; i < SEGMENTS; i += 1) {
    const name = segmentFileName(1, BigInt(i + 1), SEG_SIZE);
    const segment = makeSegment({ name, fill: i + 1 });
    for (let at = 8192; at < SEG_SIZE; at += 4) segment.writeUInt32LE((Math.imul(at, 2654435761) ^ i) >>> 0, at);
    writeFileSync(join(pgwal, name), segment);
    localMs.push(time(node, [bin('archivewal'), `pg_wal/${name}`, local], env, 0, work));
    bucketMs.push(time(node, [bin('archivewal'), `pg_wal/${name}`, 's3://bench/wal'], env, 0, work));
    // The gateway's own speed for the same bytes: one signed PUT by curl.
    const started = performance.now();
    spawnSync('curl', ['-s', '-o', '/dev/null', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user',
      `${values['RGW_ACCESS_KEY'] ?? ''}:${values['RGW_SECRET_KEY'] ?? ''}`, '-T', join(pgwal, name),
      `${values['RGW_ENDPOINT'] ?? ''}/bench/curl/${name}`]);
    curlMs.push(performance.now() - started);
  }
  const c = median(curlMs);
  const b = median(bucketMs);
  const l = median(localMs);
  return {
    work: `archivewal, one 16 MB segment into a bucket (${SEGMENTS} runs)`,
    ours: `${b.toFixed(0)} ms`,
    anchorName: 'archivewal into a directory',
    anchor: `${l.toFixed(0)} ms`,
    ratio: b / l,
    // Not a target of the issue: the object store's own cost, printed to be watched.
    target: Number.POSITIVE_INFINITY,
    notes: `${(1000 / b).toFixed(1)} segments/s into the bucket (directory ${(1000 / l).toFixed(1)}); ` +
      `curl's PUT of the same bytes: ${c.toFixed(0)} ms`,
  };
};

const benchMissing = (work: string, env: NodeJS.ProcessEnv, values: Record<string, string>): BenchRow => {
  const args = [bin('restorewal'), '0000000100000000000000FF', 'pg_wal/RECOVERYXLOG', 's3://bench/wal'];
  time(node, args, env, 1, work);
  const oursMs: number[] = [];
  const nodeMs: number[] = [];
  const trips: number[] = [];
  const url = `${values['RGW_ENDPOINT'] ?? ''}/bench?list-type=2&prefix=wal/0000000100000000000000FF&delimiter=/`;
  for (let i = 0; i < MISSING_RUNS; i += 1) {
    nodeMs.push(time(node, ['-e', '0'], env, 0));
    oursMs.push(time(node, args, env, 1, work));
    const curl = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{time_total}', '--aws-sigv4', 'aws:amz:us-east-1:s3',
      '--user', `${values['RGW_ACCESS_KEY'] ?? ''}:${values['RGW_SECRET_KEY'] ?? ''}`, url], { encoding: 'utf8' });
    trips.push(Number(curl.stdout) * 1000);
  }
  const o = median(oursMs);
  const n = median(nodeMs);
  const trip = median(trips);
  return {
    work: `restorewal, file not in a bucket (${MISSING_RUNS} runs)`,
    ours: `${o.toFixed(1)} ms`,
    anchorName: 'node -e 0 + one round trip',
    anchor: `${n.toFixed(1)} + ${trip.toFixed(1)} ms`,
    ratio: (o - trip) / n,
    target: 1.25,
    notes: 'ratio = (ours − round trip) / node -e 0',
  };
};
