import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { segmentFileName, segmentNumberOf, segmentStartLsn } from '../../../src/core/wal/segment-name.js';
import type { ReplicationStream } from '../../../src/core/pg/replication/stream.js';

/** What a streaming test received: WAL bytes from `start`, contiguous, plus counters. */
export interface Captured {
  readonly start: bigint;
  readonly data: Buffer;
  readonly messages: number;
  readonly keepalives: number;
  /** How the iterator ended: 'target' (we stopped) or 'server' (the server ended COPY). */
  readonly endedBy: 'target' | 'server';
}

/**
 * Streams until `until` bytes past `start` were received (or the server ends the COPY),
 * answering keepalives that ask for a reply, checking that XLogData arrive contiguously.
 */
export const captureWal = async (
  stream: ReplicationStream,
  start: bigint,
  until: bigint | undefined,
  options: { onMessage?: () => Promise<void> } = {},
): Promise<Captured> => {
  const chunks: Buffer[] = [];
  let next = start;
  let messages = 0;
  let keepalives = 0;
  for await (const message of stream) {
    if (message.kind === 'keepalive') {
      keepalives++;
      if (message.replyRequested) stream.sendStatus({ write: next, flush: next, apply: 0n });
      continue;
    }
    if (message.dataStart !== next) throw new Error(`WAL gap: expected ${next.toString(16)}, got ${message.dataStart.toString(16)}`);
    // The stream lends its data until the next message (ReplicationStream): keep a copy.
    chunks.push(Buffer.from(message.data));
    next += BigInt(message.data.length);
    messages++;
    await options.onMessage?.();
    if (until !== undefined && next >= until) {
      return { start, data: Buffer.concat(chunks), messages, keepalives, endedBy: 'target' };
    }
  }
  return { start, data: Buffer.concat(chunks), messages, keepalives, endedBy: 'server' };
};

/** The same range read from a cluster's pg_wal (as root, or the files' owner). */
export const walFromDisk = async (walDir: string, timeline: number, start: bigint, length: number, segSize: number): Promise<Buffer> => {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const lsn = start + BigInt(done);
    const segno = segmentNumberOf(lsn, segSize);
    const offset = Number(lsn - segmentStartLsn(segno, segSize));
    const take = Math.min(segSize - offset, length - done);
    const file = await open(join(walDir, segmentFileName(timeline, segno, segSize)), 'r');
    try {
      const { bytesRead } = await file.read(out, done, take, offset);
      if (bytesRead !== take) throw new Error(`short read of ${segmentFileName(timeline, segno, segSize)}`);
    } finally {
      await file.close();
    }
    done += take;
  }
  return out;
};
