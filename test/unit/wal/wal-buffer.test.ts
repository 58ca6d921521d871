import { describe, expect, it } from 'vitest';
import { WalBuffer } from '../../../src/core/wal/wal-buffer.js';

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i + seed) % 251));

describe('WalBuffer', () => {
  it('copies messages into chunks and hands them back in order, never across the limit', () => {
    const buffer = new WalBuffer(1024, 4);
    const a = bytes(1500, 1);
    const b = bytes(700, 2);
    buffer.put(0n, a);
    buffer.put(1500n, b);
    a.fill(0); // the buffer holds copies: the caller may reuse its memory
    expect(buffer.bufferedBytes).toBe(2200);
    const run = buffer.peek(10_000, 2048n);
    expect(run?.lsn).toBe(0n);
    expect(run?.bytes).toBe(2048);
    expect(Buffer.concat(run?.views ?? []).equals(Buffer.concat([bytes(1500, 1), b]).subarray(0, 2048))).toBe(true);
    buffer.consume(2048);
    expect(buffer.peek(10_000, 1n << 40n)).toMatchObject({ lsn: 2048n, bytes: 152 });
    buffer.consume(152);
    expect(buffer.isEmpty).toBe(true);
  });

  it('reports when its chunk budget is spent, and has room again once bytes are consumed', () => {
    const buffer = new WalBuffer(1024, 2);
    buffer.put(0n, bytes(1024, 0));
    expect(buffer.hasRoom).toBe(true);
    buffer.put(1024n, bytes(1024, 0));
    expect(buffer.hasRoom).toBe(false);
    buffer.consume(1024);
    expect(buffer.hasRoom).toBe(true);
  });

  it('starts afresh when the stream moved on without it (a half-filled chunk is not reused)', () => {
    const buffer = new WalBuffer(1024, 2);
    buffer.put(0n, bytes(100, 3));
    buffer.consume(100);
    // Meanwhile 4000 bytes went to disk directly; the next buffered bytes start elsewhere.
    buffer.put(4096n, bytes(50, 4));
    expect(buffer.peek(1000, 1n << 40n)).toMatchObject({ lsn: 4096n, bytes: 50 });
  });
});
