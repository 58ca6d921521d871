// Which library decodes and encodes what (docs/dev/compression.md): the whole-buffer codecs
// (zstd-wasm, lz4-napi on the main thread, zlib) against the alternatives (fzstd and our LZ4
// frame decoder streamed, lz4-napi on the thread pool, our LZ4 decoder into one buffer) on
// one 16 MB WAL-like segment, warm and in a fresh process as a hook decodes it, plus what
// loading each library costs a process that needs it once. Watched figures: they justify a
// choice, no target applies.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decompressBuffer, compressBuffer } from '../src/core/compression/codec.js';
import { decodeLz4Buffer } from '../src/core/compression/lz4-buffer-decoder.js';
import { createStreamDecoder } from '../src/core/compression/stream-decoder.js';
import { type BenchRow, median } from './result.js';

const ROUNDS = 7;
const SIZE = 16 * 1024 * 1024;
const root = join(import.meta.dirname, '..');

/** Half records of random bytes, half zeros: about as compressible as busy WAL. */
const walLike = (): Buffer => {
  const data = Buffer.alloc(SIZE);
  for (let at = 0; at < SIZE / 2; at += 64) randomBytes(24).copy(data, at);
  return data;
};

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const samples: number[] = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    const started = performance.now();
    await work();
    if (round > 0) samples.push(performance.now() - started);
  }
  return median(samples);
};

const streamed = async (method: 'lz4' | 'zstd', data: Buffer): Promise<number> => {
  const decoder = createStreamDecoder(method);
  let total = 0;
  for (let at = 0; at < data.length; at += 64 * 1024) for (const part of await decoder.update(data.subarray(at, at + 64 * 1024))) total += part.length;
  for (const part of await decoder.end()) total += part.length;
  if (total !== SIZE) throw new Error(`${method}: decoded ${total} bytes`);
  return total;
};

/** Wall time of a fresh Node process that runs `code` (loads a library, decodes a file). */
const loadMs = (code: string, module = false): number => {
  const samples: number[] = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    const started = performance.now();
    const args = module ? ['--input-type=module', '-e', code] : ['-e', code];
    const result = spawnSync(process.execPath, args, { cwd: root, env: { PATH: process.env['PATH'] ?? '' } });
    if (result.status !== 0) throw new Error(`${code}: ${result.stderr.toString()}`);
    if (round > 0) samples.push(performance.now() - started);
  }
  return median(samples);
};

const row = (work: string, ours: number, anchorName: string, anchor: number, notes = ''): BenchRow => ({
  work, ours: `${ours.toFixed(1)} ms`, anchorName, anchor: `${anchor.toFixed(1)} ms`, ratio: ours / anchor, target: Number.POSITIVE_INFINITY, notes,
});

export const run = async (): Promise<BenchRow[]> => {
  const plain = walLike();
  const zstd = await compressBuffer(plain, { method: 'zstd', level: 3 });
  const lz4 = await compressBuffer(plain, { method: 'lz4', level: 0 });
  const lz4Napi = createRequire(join(root, 'package.json'))('lz4-napi') as { decompressFrame(data: Buffer): Promise<Buffer> };
  const zstdWhole = await timed(() => decompressBuffer(zstd, 'zstd', { expectedSize: SIZE }));
  const zstdStream = await timed(() => streamed('zstd', zstd));
  const lz4Whole = await timed(() => decompressBuffer(lz4, 'lz4', { expectedSize: SIZE }));
  const lz4Pool = await timed(() => lz4Napi.decompressFrame(lz4));
  const lz4Ours = await timed(async () => decodeLz4Buffer(lz4, { name: 'x', maxOutput: SIZE, expectedSize: SIZE }));
  const lz4Stream = await timed(() => streamed('lz4', lz4));
  // What restorewal pays for one segment: a fresh process reads the file and decodes it.
  const work = mkdtempSync(join(tmpdir(), 'ws-bench-lz4-'));
  const file = join(work, 'segment.lz4');
  writeFileSync(file, lz4);
  const dist = (module: string): string => JSON.stringify(pathToFileURL(join(root, 'dist', 'core', 'compression', module)).href);
  const coldNative = loadMs(`import { readFileSync } from 'node:fs'; const { decompressBuffer } = await import(${dist('codec.js')});
    if ((await decompressBuffer(readFileSync(${JSON.stringify(file)}), 'lz4', { expectedSize: ${SIZE} })).length !== ${SIZE}) process.exit(1);`, true);
  const coldOurs = loadMs(`import { readFileSync } from 'node:fs'; const { decodeLz4Buffer } = await import(${dist('lz4-buffer-decoder.js')});
    if (decodeLz4Buffer(readFileSync(${JSON.stringify(file)}), { name: 'x', maxOutput: 1 << 30, expectedSize: ${SIZE} }).length !== ${SIZE}) process.exit(1);`, true);
  rmSync(work, { recursive: true, force: true });
  const bare = loadMs('0');
  const wasm = loadMs("import('@bokuweb/zstd-wasm').then((m) => m.init())");
  const fzstd = loadMs("require('fzstd')");
  const napi = loadMs("require('lz4-napi')");
  return [
    row('zstd decode, 16 MB segment', zstdWhole, 'fzstd streamed', zstdStream, 'ours: zstd-wasm whole-buffer'),
    row('lz4 decode, 16 MB segment', lz4Whole, 'lz4-napi on the thread pool', lz4Pool,
      `ours: lz4-napi on the main thread; our JS decoder ${lz4Ours.toFixed(1)} ms, streamed ${lz4Stream.toFixed(1)} ms`),
    row('lz4 decode of one segment in a fresh process', coldNative, 'our JS decoder (the fallback)', coldOurs,
      `node -e 0: ${bare.toFixed(1)} ms`),
    row('load zstd-wasm (import + init)', wasm, 'node -e 0', bare, `fzstd: ${fzstd.toFixed(1)} ms`),
    row('load lz4-napi', napi, 'node -e 0', bare),
  ];
};
