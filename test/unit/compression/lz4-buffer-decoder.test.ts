import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xxh32 } from '@node-rs/xxhash';
import { afterAll, describe, expect, it } from 'vitest';
import { decompressBuffer } from '../../../src/core/compression/codec.js';
import { decodeLz4Buffer } from '../../../src/core/compression/lz4-buffer-decoder.js';
import { xxhash32 } from '../../../src/core/compression/xxhash32.js';
import { requireTool } from '../../harness/pg/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lz4-buffer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Compressible but not trivial: repeated runs of random words, ~3 MB.
const words = Array.from({ length: 500 }, () => randomBytes(6).toString('hex'));
const plain = Buffer.from(Array.from({ length: 240_000 }, (_, i) => words[(i * 7919) % words.length]).join(' '));
writeFileSync(join(dir, 'input'), plain);

/** The input compressed by the real lz4 command with `flags`. */
const lz4 = (flags: string[], out: string): Buffer => {
  execFileSync(requireTool('lz4'), ['-q', '-f', ...flags, join(dir, 'input'), join(dir, out)]);
  return readFileSync(join(dir, out));
};

const decode = (data: Uint8Array, expectedSize?: number): Buffer =>
  decodeLz4Buffer(data, { name: 'x', maxOutput: 1 << 30, expectedSize });

const failure = (data: Uint8Array): string => {
  try {
    decode(data);
  } catch (error) {
    return (error as Error).message;
  }
  return 'decoded';
};

describe('XXH32, the LZ4 frame checksum', () => {
  it('matches the reference vectors and the native xxHash at every length and alignment', () => {
    expect(xxhash32(Buffer.from(''))).toBe(0x02cc5d05);
    expect(xxhash32(Buffer.from('a'))).toBe(0x550d7456);
    expect(xxhash32(Buffer.from('abc'))).toBe(0x32d153ff);
    for (const length of [0, 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 100, 4097, 65_536]) {
      for (const offset of [0, 1, 2, 3]) {
        const input = plain.subarray(offset, offset + length);
        for (const seed of [0, 1, 0x9e3779b1]) expect(xxhash32(input, seed), `${length}+${offset}`).toBe(xxh32(input, seed));
      }
    }
  });
});

describe('LZ4 frames decoded whole', () => {
  it.each([
    ['independent 4 MB blocks, content checksum (lz4\'s defaults)', []],
    ['linked 64 kB blocks with block checksums', ['-BD', '-B4', '-BX']],
    ['content size in the header, no content checksum', ['--content-size', '--no-frame-crc']],
  ])('%s: what the lz4 command wrote', (_name, flags) => {
    expect(decode(lz4(flags, 'a.lz4')).equals(plain)).toBe(true);
  });

  it('fills one buffer of the expected size and returns it without a copy', () => {
    const out = decode(lz4([], 'b.lz4'), plain.length);
    expect(out.equals(plain)).toBe(true);
    expect(out.buffer.byteLength).toBe(plain.length);
    // Expected too small: the buffer grows, a block cut short is decoded again, nothing is lost.
    for (const flags of [[], ['-BD', '-B4']]) expect(decode(lz4(flags, 'g.lz4'), 1000).equals(plain)).toBe(true);
  });

  it('verifies the header checksum, block checksums and the content checksum', () => {
    const header = Buffer.from(lz4([], 'c.lz4'));
    header[6] = (header[6] ?? 0) ^ 0x01; // HC, after magic, FLG and BD
    expect(failure(header)).toMatch(/frame header checksum mismatch/);

    const blocks = Buffer.from(lz4(['-BD', '-B4', '-BX'], 'd.lz4'));
    blocks[20] = (blocks[20] ?? 0) ^ 0x01; // inside the first block
    expect(failure(blocks)).toMatch(/block checksum mismatch/);

    const content = Buffer.from(lz4([], 'e.lz4'));
    content[content.length - 1] = (content[content.length - 1] ?? 0) ^ 0x01;
    expect(failure(content)).toMatch(/content checksum mismatch/);
  });

  // A lying peer's frame, built by hand: a stored block "abcd", then a compressed block whose
  // one match copies 4 bytes from 4 back, then one literal "x". Fine in a linked frame;
  // in an independent one the match reaches into another block, which LZ4 forbids.
  const handMade = (independent: boolean): Buffer => {
    const descriptor = Buffer.from([0x40 | (independent ? 0x20 : 0), 0x40]);
    const header = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([(xxhash32(descriptor) >>> 8) & 0xff]),
    ]);
    const stored = Buffer.from('abcd');
    const compressed = Buffer.from([0x00, 0x04, 0x00, 0x10, 0x78]);
    const size = (n: number, storedFlag: boolean): Buffer => {
      const word = Buffer.alloc(4);
      word.writeUInt32LE((n | (storedFlag ? 0x80000000 : 0)) >>> 0);
      return word;
    };
    return Buffer.concat([header, size(4, true), stored, size(compressed.length, false), compressed, Buffer.alloc(4)]);
  };

  it('lets a linked block reach into the previous one, and refuses that in an independent frame', () => {
    expect(decode(handMade(false)).toString()).toBe('abcdabcdx');
    expect(failure(handMade(true))).toMatch(/invalid match/);
  });

  it('refuses a block that writes past its frame\'s block size or reads past its end', async () => {
    const cut = handMade(false);
    cut[4 + 3 + 4 + 4 + 4 + 1] = 0x05; // the match's offset: 5 bytes back, before any output
    expect(failure(cut)).toMatch(/invalid match/);
    // Through the codec, as restorewal calls it: the same refusal as a CompressionError.
    await expect(decompressBuffer(cut, 'lz4', { name: 'y' })).rejects.toMatchObject({ code: 'corrupt-compressed-data' });
  });
});
