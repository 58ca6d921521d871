import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileSink } from '../../../src/core/backup/byte-sink.js';
import { SyncQueue } from '../../../src/core/fs/sync-queue.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-byte-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileSink', () => {
  // Small chunks are gathered into one write, large ones go straight through: the file
  // must still hold every byte in the order given, whatever mix of sizes arrives.
  it('keeps the order of gathered small chunks around large ones, up to close', async () => {
    const queue = new SyncQueue(false);
    const path = join(dir, 'base.tar');
    const sink = fileSink(path, 0o600, queue);
    const chunks: Buffer[] = [];
    let seed = 1;
    for (const size of [512, 8192, 0, 300, 32 * 1024, 512, 200 * 1024, 100, 512, 40 * 1024, 31 * 1024, 31 * 1024, 31 * 1024,
      31 * 1024, 31 * 1024, 31 * 1024, 31 * 1024, 31 * 1024, 31 * 1024, 7, 1024]) {
      const chunk = Buffer.alloc(size);
      for (let i = 0; i < size; i += 1) chunk[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
      chunks.push(chunk);
      await sink.write(chunk);
      chunk.fill(0); // the caller may reuse its buffer at once
    }
    await sink.close();
    await queue.drain();
    seed = 1;
    const expected = Buffer.concat(chunks.map((chunk) => {
      const copy = Buffer.alloc(chunk.length);
      for (let i = 0; i < copy.length; i += 1) copy[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
      return copy;
    }));
    expect(readFileSync(path).equals(expected)).toBe(true);
  });
});
