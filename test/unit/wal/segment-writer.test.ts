import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentWriter } from '../../../src/core/wal/segment-writer.js';
import type { SegmentWriterOptions } from '../../../src/core/wal/segment-writer-options.js';
import type { SegmentFile, SegmentFileOptions } from '../../../src/core/wal/segment-file.js';
import { openPlainSegmentFile } from '../../../src/core/wal/segment-file.js';
import { requireTool } from '../../harness/pg/index.js';

const MB = 1024 * 1024;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ws-segwriter-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const writer = (extra: Partial<SegmentWriterOptions> = {}): SegmentWriter =>
  new SegmentWriter({ dir, segSize: MB, sync: true, mode: 0o640, compression: { method: 'none', level: 0 }, ...extra });

/** Feeds `wal` from `start` in messages of random sizes (up to 128 kB, like XLogData). */
const feed = async (w: SegmentWriter, start: bigint, wal: Buffer): Promise<void> => {
  let at = 0;
  while (at < wal.length) {
    const size = Math.min(wal.length - at, 1 + Math.floor(Math.random() * 128 * 1024));
    const wait = w.append(start + BigInt(at), Buffer.from(wal.subarray(at, at + size)));
    if (wait !== undefined) await wait;
    at += size;
  }
};

describe('SegmentWriter (plain)', () => {
  it('writes complete segments under their final names and keeps the rest as .partial', async () => {
    const wal = randomBytes(2 * MB + 300_000);
    const w = writer();
    const done: string[] = [];
    w.on('segment-complete', (c) => done.push(c.name));
    w.begin(1, 3n * BigInt(MB));
    await feed(w, 3n * BigInt(MB), wal);
    const kept = await w.close();
    expect(done).toEqual(['000000010000000000000003', '000000010000000000000004']);
    expect(kept?.partialName).toBe('000000010000000000000005.partial');
    expect(readdirSync(dir).sort()).toEqual([...done, '000000010000000000000005.partial']);
    expect(readFileSync(join(dir, done[0] as string)).equals(wal.subarray(0, MB))).toBe(true);
    expect(readFileSync(join(dir, done[1] as string)).equals(wal.subarray(MB, 2 * MB))).toBe(true);
    const partial = readFileSync(join(dir, '000000010000000000000005.partial'));
    expect(partial.length).toBe(MB);
    expect(partial.subarray(0, 300_000).equals(wal.subarray(2 * MB))).toBe(true);
    expect(partial.subarray(300_000).every((b) => b === 0)).toBe(true);
    expect(statSync(join(dir, done[0] as string)).mode & 0o777).toBe(0o640);
    expect(w.flushedLsn).toBe(3n * BigInt(MB) + BigInt(wal.length));
  });

  it('refuses data that does not continue where the stream is', () => {
    const w = writer();
    w.begin(1, 0n);
    expect(() => w.append(100n, Buffer.alloc(10))).toThrow('received write-ahead log record for offset 100 with no file open');
    w.append(0n, Buffer.alloc(10));
    expect(() => w.append(20n, Buffer.alloc(10))).toThrow('got WAL data offset 00000014, expected 0000000a');
  });

  it('requestSync resolves only with positions that were fsynced', async () => {
    const synced: number[] = [];
    const w = writer({
      openSegment: async (options: SegmentFileOptions): Promise<SegmentFile> => {
        const file = await openPlainSegmentFile(options);
        let written = 0;
        return {
          ...file,
          name: file.name,
          partialName: file.partialName,
          concurrentSync: true,
          write: async (chunks, offset) => {
            await file.write(chunks, offset);
            written = Math.max(written, offset + chunks.reduce((s, c) => s + c.length, 0));
          },
          writeNow: (data, offset) => {
            file.writeNow?.(data, offset);
            written = Math.max(written, offset + data.length);
          },
          sync: async () => {
            const covered = written;
            await file.sync();
            synced.push(covered);
          },
          complete: () => file.complete(),
          keepPartial: () => file.keepPartial(),
          abandon: () => file.abandon(),
        };
      },
    });
    w.begin(1, 0n);
    for (let i = 0; i < 20; i++) {
      w.append(BigInt(i * 1000), Buffer.alloc(1000, i));
      const flushed = await w.requestSync();
      expect(flushed).toBeGreaterThanOrEqual(BigInt((i + 1) * 1000));
      expect(Math.max(...synced)).toBeGreaterThanOrEqual(Number(flushed));
    }
    await w.close();
  });

  it('pauses the producer when the disk is slow and resumes when it catches up', async () => {
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const w = writer({
      maxPendingBytes: 2 * MB,
      openSegment: async (options) => {
        const file = await openPlainSegmentFile(options);
        return Object.assign(Object.create(file) as SegmentFile, {
          write: async (chunks: readonly Buffer[], offset: number) => {
            await gate; // a disk that does not answer until the test lets it
            await file.write(chunks, offset);
          },
          writeNow: undefined, // every byte through the queue
        });
      },
    });
    w.begin(1, 0n);
    let paused = false;
    let at = 0;
    while (!paused && at < 8 * MB) {
      paused = w.append(BigInt(at), Buffer.alloc(64 * 1024, 1)) !== undefined;
      at += 64 * 1024;
    }
    expect(paused).toBe(true);
    // Held: the 2 MB budget, plus at most the message that crossed it.
    expect(w.pendingBytes).toBeLessThanOrEqual(2 * MB + 64 * 1024);
    expect(w.pendingBytes).toBeGreaterThanOrEqual(2 * MB);
    release();
    gate = Promise.resolve();
    await w.close();
    expect(w.writtenLsn).toBe(w.receivedLsn);
  });

  it('reopens an existing one-segment .partial and refuses one of another size', async () => {
    writeFileSync(join(dir, '000000010000000000000000.partial'), Buffer.alloc(MB, 9));
    const w = writer();
    w.begin(1, 0n);
    w.append(0n, Buffer.alloc(10, 1));
    await w.close();
    const data = readFileSync(join(dir, '000000010000000000000000.partial'));
    expect(data.subarray(0, 10).every((b) => b === 1)).toBe(true);
    writeFileSync(join(dir, '000000010000000000000001.partial'), Buffer.alloc(1234));
    const w2 = writer();
    w2.begin(1, BigInt(MB));
    w2.append(BigInt(MB), Buffer.alloc(10));
    await expect(w2.requestSync()).rejects.toThrow(
      'write-ahead log file "000000010000000000000001.partial" has 1234 bytes, should be 0 or 1048576',
    );
  });
});

describe.each(['gzip', 'lz4', 'zstd'] as const)('SegmentWriter (%s)', (method) => {
  const tool = { gzip: ['gzip', '-t'], lz4: ['lz4', '-q', '-t'], zstd: ['zstd', '-q', '-t'] }[method];
  const decode = (file: string): Buffer =>
    method === 'gzip' ? gunzipSync(readFileSync(file)) : execFileSync(requireTool(method), ['-dc', file], { maxBuffer: 64 * MB });

  it('writes files that the command-line tool accepts and that decompress to the WAL', async () => {
    const wal = Buffer.concat([randomBytes(MB), Buffer.alloc(MB, 5), randomBytes(100_000)]);
    const w = writer({ compression: { method, level: method === 'gzip' ? -1 : method === 'zstd' ? 3 : 0 } });
    w.begin(2, 0n);
    await feed(w, 0n, wal.subarray(0, MB + 50_000));
    await w.requestSync();
    await feed(w, BigInt(MB + 50_000), wal.subarray(MB + 50_000));
    await w.close();
    const ext = { gzip: '.gz', lz4: '.lz4', zstd: '.zst' }[method];
    const names = readdirSync(dir).sort();
    expect(names).toEqual([
      `000000020000000000000000${ext}`, `000000020000000000000001${ext}`, `000000020000000000000002${ext}.partial`,
    ]);
    for (const name of names) execFileSync(tool[0] as string, [...tool.slice(1), join(dir, name)]);
    expect(decode(join(dir, names[0] as string)).equals(wal.subarray(0, MB))).toBe(true);
    expect(decode(join(dir, names[1] as string)).equals(wal.subarray(MB, 2 * MB))).toBe(true);
    expect(decode(join(dir, names[2] as string)).equals(wal.subarray(2 * MB))).toBe(true);
  });
});
