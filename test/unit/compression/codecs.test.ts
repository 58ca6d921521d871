import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compressBuffer, decompressBuffer, decompressedSizeOfFile,
} from '../../../src/core/compression/codec.js';
import { createStreamDecoder } from '../../../src/core/compression/stream-decoder.js';
import { createStreamEncoder } from '../../../src/core/compression/stream-encoder.js';
import { CompressionError } from '../../../src/core/compression/compression-error.js';
import type { CompressionMethod } from '../../../src/core/compression/compression-method.js';
import { zstdContentChecksum } from '../../../src/core/compression/zstd.js';
import { xxhash64 } from '../../../src/core/compression/xxhash64.js';
import { xxh64 } from '@node-rs/xxhash';
import { requireTool } from '../../harness/pg/index.js';

const ci = process.env['CI'] === 'true';
const hasTool = (tool: string): boolean => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const tools = { gzip: hasTool('gzip'), lz4: hasTool('lz4'), zstd: hasTool('zstd') };
if (ci) {
  for (const [tool, present] of Object.entries(tools)) if (!present) throw new Error(`CI=true: ${tool} CLI is missing`);
}

let dir: string;
// A WAL-like 2 MB sample: compressible runs plus some random bytes.
const sample = Buffer.concat([randomBytes(256 * 1024), Buffer.alloc(1024 * 1024 + 3, 0x41), randomBytes(700 * 1024)]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-codec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = { gzip: ['gzip', '.gz'], lz4: ['lz4', '.lz4'], zstd: ['zstd', '.zst'] } as const;
const methods = ['gzip', 'lz4', 'zstd'] as const;

describe.each(methods)('%s', (method) => {
  const [tool, suffix] = cli[method];

  it('round-trips a buffer and the CLI tests what we wrote', async () => {
    const compressed = await compressBuffer(sample, { method, level: method === 'gzip' ? 1 : 3 });
    expect(compressed.length).toBeLessThan(sample.length);
    expect((await decompressBuffer(compressed, method)).equals(sample)).toBe(true);
    const file = join(dir, `ours-${method}${suffix}`);
    await writeFile(file, compressed);
    expect(spawnSync(tool, ['-t', file], { stdio: 'ignore' }).status).toBe(0);
    expect(execFileSync(tool, ['-d', '-c', file], { maxBuffer: 1 << 26 }).equals(sample)).toBe(true);
    expect(await decompressedSizeOfFile(file, method)).toBe(sample.length);
  });

  it.runIf(tools[method])('decompresses what the CLI writes from a file and from a pipe', async () => {
    const input = join(dir, `cli-${method}`);
    await writeFile(input, sample);
    const fromFile = execFileSync(tool, ['-q', '-c', input], { maxBuffer: 1 << 26 });
    const fromPipe = execFileSync(tool, ['-q', '-c'], { input: sample, maxBuffer: 1 << 26 });
    for (const compressed of [fromFile, fromPipe]) {
      expect((await decompressBuffer(compressed, method, { expectedSize: 1024 })).equals(sample)).toBe(true);
    }
    const file = join(dir, `pipe-${method}${suffix}`);
    await writeFile(file, fromPipe);
    expect(await decompressedSizeOfFile(file, method)).toBe(sample.length);
  });

  it.runIf(tools[method])('decompresses concatenated frames like the CLI', async () => {
    const a = execFileSync(tool, ['-q', '-c'], { input: sample.subarray(0, 1000) });
    const b = await compressBuffer(sample, { method, level: 1 });
    const joined = Buffer.concat([a, b]);
    const expected = Buffer.concat([sample.subarray(0, 1000), sample]);
    expect((await decompressBuffer(joined, method)).equals(expected)).toBe(true);
    expect(execFileSync(tool, ['-d', '-c'], { input: joined, maxBuffer: 1 << 26 }).equals(expected)).toBe(true);
  });

  it('reports damaged data as corrupt-compressed-data', async () => {
    // Our frames carry a content checksum (gzip's CRC-32, lz4's and zstd's XXH checksums).
    const compressed = await compressBuffer(sample, { method, level: 1 });
    const truncated = compressed.subarray(0, compressed.length - 9);
    const flipped = Buffer.from(compressed);
    const middle = Math.floor(flipped.length / 2);
    flipped[middle] = (flipped[middle] ?? 0) ^ 0xff;
    for (const bad of [truncated, flipped, Buffer.from('not compressed at all')]) {
      const error = await decompressBuffer(bad, method, { name: 'x' }).then(
        (out) => (out.equals(sample) ? 'silently decoded' : 'decoded garbage'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CompressionError);
      expect((error as CompressionError).code).toMatch(/corrupt-compressed-data|decompressed-too-large/);
    }
  });

  it('streams through the encoder and decoder every tool uses, in pieces', async () => {
    const encoder = await createStreamEncoder({ method, level: 1, frameBytes: 512 * 1024 });
    const decoder = createStreamDecoder(method);
    const chunks: Buffer[] = [];
    for (const piece of [sample.subarray(0, 1000), sample.subarray(1000)]) {
      for (const part of await encoder.update(piece)) chunks.push(...(await decoder.update(part)));
    }
    for (const part of await encoder.end()) chunks.push(...(await decoder.update(part)));
    chunks.push(...(await decoder.end()));
    expect(Buffer.concat(chunks).equals(sample)).toBe(true);
  });

  it('keeps order with several frames compressing at once, a reused input buffer and flushes', async () => {
    // 64 kB frames: the 2 MB sample makes ~33 of them, several in flight on the thread pool.
    const encoder = await createStreamEncoder({ method, level: 1, frameBytes: 64 * 1024 });
    const reused = Buffer.alloc(50_000);
    const output: Buffer[] = [];
    let flushedUpTo = 0;
    for (let offset = 0; offset < sample.length; offset += reused.length) {
      const piece = sample.subarray(offset, offset + reused.length);
      piece.copy(reused);
      output.push(...(await encoder.update(reused.subarray(0, piece.length))));
      reused.fill(0xee); // the encoder must have copied what it keeps
      if (offset % 400_000 === 0) {
        output.push(...(await encoder.flush()));
        flushedUpTo = offset + piece.length;
        // After a flush, what was written so far decodes to exactly the input so far.
        const decoded = await decompressBuffer(Buffer.concat(output), method, { name: 'flushed' }).catch(
          async () => (await streamDecode(method, output)),
        );
        expect(decoded.equals(sample.subarray(0, flushedUpTo)), `flushed at ${flushedUpTo}`).toBe(true);
      }
    }
    output.push(...(await encoder.end()));
    expect((await streamDecode(method, output)).equals(sample)).toBe(true);
  });
});

/** Decodes a stream that may still lack its end (gzip after a sync flush). */
const streamDecode = async (method: 'gzip' | 'lz4' | 'zstd', parts: readonly Buffer[]): Promise<Buffer> => {
  const decoder = createStreamDecoder(method);
  const out: Buffer[] = [];
  for (const part of parts) out.push(...(await decoder.update(part)));
  if (method !== 'gzip') out.push(...(await decoder.end()));
  return Buffer.concat(out);
};

describe('XXH64 for zstd frame checksums', () => {
  // The JavaScript XXH64, used where the native add-on cannot load.
  it('in JavaScript, matches the reference vectors', () => {
    expect(xxhash64(Buffer.from(''))).toBe(0xef46db3751d8e999n);
    expect(xxhash64(Buffer.from('a'))).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxhash64(Buffer.from('abc'))).toBe(0x44bc2cf5ad770999n);
    expect(xxhash64(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xfbcea83c8a378bf1n);
    for (const length of [0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 100, 1000, 4097, sample.length]) {
      const input = sample.subarray(0, length);
      expect(xxhash64(input), `length ${length}`).toBe(xxh64(input));
    }
  });
  it('matches the reference vectors (low 32 bits of XXH64)', async () => {
    expect(await zstdContentChecksum(Buffer.from(''))).toBe(0x51d8e999);
    expect(await zstdContentChecksum(Buffer.from('a'))).toBe(0xa98c6e5b);
    expect(await zstdContentChecksum(Buffer.from('abc'))).toBe(0xad770999);
    expect(await zstdContentChecksum(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0x8a378bf1);
  });
  it.runIf(tools.zstd)('agrees with the checksum zstd writes, for every length around the stripe size', async () => {
    for (const length of [0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 100, 1000, 4097]) {
      const input = sample.subarray(0, length);
      const frame = execFileSync(requireTool('zstd'), ['-q', '-c', '--check'], { input });
      expect(frame.readUInt32LE(frame.length - 4), `length ${length}`).toBe(await zstdContentChecksum(input));
    }
  });
  it('every zstd frame we write carries the checksum flag', async () => {
    const frame = await compressBuffer(sample, { method: 'zstd', level: 1 });
    expect((frame[4] ?? 0) & 0x04).toBe(0x04);
  });
});

describe('sizes and limits', () => {
  it('reads the gzip ISIZE trailer without decompressing', async () => {
    const file = join(dir, 'size.gz');
    await writeFile(file, await compressBuffer(Buffer.alloc(16 * 1024 * 1024), { method: 'gzip', level: 1 }));
    expect(await decompressedSizeOfFile(file, 'gzip')).toBe(16 * 1024 * 1024);
    await writeFile(join(dir, 'short.gz'), Buffer.from([0x1f, 0x8b]));
    await expect(decompressedSizeOfFile(join(dir, 'short.gz'), 'gzip')).rejects.toThrow(/too short for gzip/);
  });

  it.each(['gzip', 'lz4', 'zstd'] as const)('%s refuses output beyond maxOutput (a small bomb costs no more)', async (method: CompressionMethod) => {
    const compressed = await compressBuffer(Buffer.alloc(4 * 1024 * 1024), { method, level: 1 });
    await expect(decompressBuffer(compressed, method, { maxOutput: 1024 * 1024 })).rejects.toMatchObject({
      code: 'decompressed-too-large',
      message: expect.stringMatching(/more than 1048576 bytes/),
    });
  });

  it('gzip decompresses a one-member file into one buffer sized by its trailer', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const out = await decompressBuffer(await compressBuffer(data, { method: 'gzip', level: 1 }), 'gzip');
    expect(out.equals(data)).toBe(true);
    // One output chunk of ISIZE + 1 bytes, returned as is: not zlib's 16 kB pieces joined by a copy.
    expect(out.buffer.byteLength).toBe(data.length + 1);
  });

  it('gzip output is whole whatever the trailer says: several members, a trailer that lies', async () => {
    const a = randomBytes(200_000);
    const b = randomBytes(70_000);
    const two = Buffer.concat([
      await compressBuffer(a, { method: 'gzip', level: 1 }),
      await compressBuffer(b, { method: 'gzip', level: 1 }),
    ]);
    expect((await decompressBuffer(two, 'gzip')).equals(Buffer.concat([a, b]))).toBe(true);
    // ISIZE is not covered by the CRC check zlib makes first: a wrong one fails as corrupt data,
    // never as a short or long result.
    for (const lie of [1, 0xffffffff]) {
      const forged = Buffer.from(await compressBuffer(a, { method: 'gzip', level: 1 }));
      forged.writeUInt32LE(lie, forged.length - 4);
      await expect(decompressBuffer(forged, 'gzip', { maxOutput: 1024 * 1024 })).rejects.toMatchObject({ code: 'corrupt-compressed-data' });
    }
  });

  it('stores plain data as is', async () => {
    expect((await compressBuffer(sample, { method: 'none', level: 0 })).equals(sample)).toBe(true);
    await writeFile(join(dir, 'plain'), sample);
    expect(await decompressedSizeOfFile(join(dir, 'plain'), 'none')).toBe(sample.length);
  });
});
