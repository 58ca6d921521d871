import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decompressBuffer } from '../../../src/core/compression/codec.js';
import { CompressionError } from '../../../src/core/compression/compression-error.js';
import { createStreamDecoder } from '../../../src/core/compression/stream-decoder.js';
import { requireTool } from '../../harness/pg/index.js';

const dir = mkdtempSync(join(tmpdir(), 'stream-decoder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Compressible but not trivial: repeated runs of random words, 3 MB.
const words = Array.from({ length: 500 }, () => randomBytes(6).toString('hex'));
const plain = Buffer.from(
  Array.from({ length: 240_000 }, (_, i) => words[(i * 7919) % words.length]).join(' '),
);
writeFileSync(join(dir, 'input'), plain);

const compressWith = (command: 'lz4' | 'zstd', args: string[], out: string): Buffer => {
  const files = command === 'zstd' ? ['-o', join(dir, out), join(dir, 'input')] : [join(dir, 'input'), join(dir, out)];
  execFileSync(requireTool(command), [...args, ...files]);
  return readFileSync(join(dir, out));
};

const decodeInPieces = async (algorithm: 'gzip' | 'lz4' | 'zstd', data: Buffer, piece: number): Promise<Buffer> => {
  const decoder = createStreamDecoder(algorithm);
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += piece) parts.push(...(await decoder.update(data.subarray(at, at + piece))));
  parts.push(...(await decoder.end()));
  return Buffer.concat(parts);
};

describe('stream decoders on output of the real command-line tools', () => {
  const cases: [string, 'gzip' | 'lz4' | 'zstd', () => Buffer][] = [
    ['gzip', 'gzip', () => execFileSync(requireTool('gzip'), ['-c', join(dir, 'input')], { maxBuffer: 1 << 26 })],
    ['lz4 independent blocks, content checksum', 'lz4', () => compressWith('lz4', ['-q', '-f'], 'a.lz4')],
    ['lz4 linked 64 kB blocks with block checksums', 'lz4', () => compressWith('lz4', ['-q', '-f', '-BD', '-B4', '-BX'], 'b.lz4')],
    ['zstd', 'zstd', () => compressWith('zstd', ['-q', '-f'], 'c.zst')],
  ];
  it.each(cases)('%s', async (_name, algorithm, make) => {
    const compressed = make();
    expect(compressed.length).toBeLessThan(plain.length);
    for (const piece of [1 << 20, 4099, 7]) {
      if (piece === 7 && compressed.length > 400_000) continue;
      expect((await decodeInPieces(algorithm, compressed, piece)).equals(plain)).toBe(true);
    }
  });

  it('decodes lz4 length extensions: a long literal run and a long match', async () => {
    // 70 kB of random bytes (literals past 15 + 255 × n), then 1 MB of zeros (matches as long).
    const mixed = Buffer.concat([randomBytes(70_000), Buffer.alloc(1024 * 1024)]);
    writeFileSync(join(dir, 'mixed'), mixed);
    execFileSync(requireTool('lz4'), ['-q', '-f', join(dir, 'mixed'), join(dir, 'mixed.lz4')]);
    expect((await decodeInPieces('lz4', readFileSync(join(dir, 'mixed.lz4')), 4099)).equals(mixed)).toBe(true);
  });

  it('decodes concatenated lz4 frames and skips skippable frames', async () => {
    const one = compressWith('lz4', ['-q', '-f'], 'd.lz4');
    const skippable = Buffer.alloc(12);
    skippable.writeUInt32LE(0x184d2a50, 0);
    skippable.writeUInt32LE(4, 4);
    const both = Buffer.concat([one, skippable, one]);
    expect((await decodeInPieces('lz4', both, 65_537)).equals(Buffer.concat([plain, plain]))).toBe(true);
  });

  it.each(['gzip', 'lz4', 'zstd'] as const)('%s: refuses data cut short', async (algorithm) => {
    const full = algorithm === 'gzip'
      ? execFileSync(requireTool('gzip'), ['-c', join(dir, 'input')], { maxBuffer: 1 << 26 })
      : compressWith(algorithm, ['-q', '-f'], `cut.${algorithm}`);
    await expect(decodeInPieces(algorithm, full.subarray(0, full.length - 10), 1 << 16)).rejects.toThrow(/Cannot decompress/);
  });

  it('gzip: damaged data fails, streamed, instead of waiting forever', async () => {
    const damaged = Buffer.from(execFileSync(requireTool('gzip'), ['-c', join(dir, 'input')], { maxBuffer: 1 << 26 }));
    for (let at = 64; at < 96; at += 1) damaged[at] = (damaged[at] ?? 0) ^ 0xa5;
    await expect(decodeInPieces('gzip', damaged, 1 << 16)).rejects.toThrow(CompressionError);
  }, 10_000);

  it.each(['gzip', 'lz4', 'zstd'] as const)('%s: damaged data is the same error streamed or whole', async (algorithm) => {
    const damaged = Buffer.from(algorithm === 'gzip'
      ? execFileSync(requireTool('gzip'), ['-c', join(dir, 'input')], { maxBuffer: 1 << 26 })
      : compressWith(algorithm, ['-q', '-f'], `damaged.${algorithm}`));
    // The frame's magic number (gzip's ID bytes): damage every decoder notices. (The streamed
    // lz4 and zstd decoders do not verify content checksums: damage inside a block may pass.)
    damaged[0] = (damaged[0] ?? 0) ^ 0xa5;
    const streamed = await decodeInPieces(algorithm, damaged, 1 << 16).then(() => undefined, (error: unknown) => error);
    const whole = await decompressBuffer(damaged, algorithm, { name: 'x' }).then(() => undefined, (error: unknown) => error);
    for (const error of [streamed, whole]) {
      expect(error).toBeInstanceOf(CompressionError);
      expect((error as CompressionError).code).toBe('corrupt-compressed-data');
      expect((error as Error).message).toMatch(/^Cannot decompress "/);
    }
  });
});
