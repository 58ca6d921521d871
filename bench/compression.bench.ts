// Which library decodes and encodes what (docs/dev/compression.md): the whole-buffer codecs
// (zstd-wasm, lz4-napi, zlib) against the streaming decoders (fzstd, our LZ4 frame decoder,
// zlib's stream) on one 16 MB WAL-like segment, plus what loading each library costs a
// process that needs it once. Watched figures: they justify a choice, no target applies.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { decompressBuffer, compressBuffer } from '../src/core/compression/codec.js';
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

/** Wall time of a fresh Node process that loads `specifier` (and runs `init` for zstd-wasm). */
const loadMs = (code: string): number => {
  const samples: number[] = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['-e', code], { cwd: root, env: { PATH: process.env['PATH'] ?? '' } });
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
  const zstdWhole = await timed(() => decompressBuffer(zstd, 'zstd', { expectedSize: SIZE }));
  const zstdStream = await timed(() => streamed('zstd', zstd));
  const lz4Whole = await timed(() => decompressBuffer(lz4, 'lz4'));
  const lz4Stream = await timed(() => streamed('lz4', lz4));
  const bare = loadMs('0');
  const wasm = loadMs("import('@bokuweb/zstd-wasm').then((m) => m.init())");
  const fzstd = loadMs("require('fzstd')");
  const napi = loadMs("require('lz4-napi')");
  return [
    row('zstd decode, 16 MB segment', zstdWhole, 'fzstd streamed', zstdStream, 'ours: zstd-wasm whole-buffer'),
    row('lz4 decode, 16 MB segment', lz4Whole, 'JS frame decoder streamed', lz4Stream, 'ours: lz4-napi whole-buffer'),
    row('load zstd-wasm (import + init)', wasm, 'node -e 0', bare, `fzstd: ${fzstd.toFixed(1)} ms`),
    row('load lz4-napi', napi, 'node -e 0', bare),
  ];
};
