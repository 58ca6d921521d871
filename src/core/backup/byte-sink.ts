import type { Writable } from 'node:stream';
import { createStreamEncoder } from '../compression/stream-encoder.js';
import type { CompressionSpec } from '../compression/compression-spec.js';
import { Batcher } from '../fs/batcher.js';
import { OutputFile } from '../fs/output-file.js';
import type { SyncQueue } from '../fs/sync-queue.js';

/** Where the bytes of one output archive go: a file, standard output, or a compressor. */
export interface ByteSink {
  write(chunk: Buffer): void | Promise<void>;
  /** Everything written; for files, handed to the sync queue. */
  close(): Promise<void>;
  /** After a failure: stop without waiting. */
  abandon(): void;
}

/** Chunks below this size are gathered: tar headers (512 bytes), padding, single pages. */
const GATHER_BELOW_BYTES = 32 * 1024;
/** What is gathered before one write(2); larger chunks go straight through (OutputFile). */
const GATHER_BYTES = 256 * 1024;

/**
 * An archive file. A tar stream arrives as a 512-byte header, the member's data and its
 * padding, member after member: a fresh cluster's base.tar took 2,663 writes, 21-33 ms,
 * where the same bytes gathered below 32 kB took 392 writes and 9-14 ms (a replay of that
 * run's write sizes, four rounds). Write errors of gathered bytes surface on a later write
 * or on close, under the same "write to file" error.
 */
export const fileSink = (path: string, mode: number, queue: SyncQueue): ByteSink => {
  const file = OutputFile.create(path, mode, queue);
  // One batch, used again at once: the file's write is synchronous.
  const batcher = new Batcher(GATHER_BYTES, 1);
  const writeBatch = (batch: Buffer): void => {
    file.write(batch);
    batcher.release(batch);
  };
  const writeGathered = (): void => {
    const rest = batcher.take();
    if (rest !== undefined) writeBatch(rest);
  };
  return {
    write: (chunk) => {
      if (chunk.length >= GATHER_BELOW_BYTES) {
        writeGathered();
        return file.write(chunk);
      }
      batcher.add(chunk, writeBatch);
      return undefined;
    },
    close: async () => {
      writeGathered();
      await file.close();
    },
    abandon: () => file.abandon(),
  };
};

/** `-D -`: the archive goes to standard output, respecting its backpressure. */
export const streamSink = (stream: Writable): ByteSink => ({
  write: (chunk) => {
    if (stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        stream.off('drain', onDrain);
        stream.off('error', done);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = (): void => done();
      stream.once('drain', onDrain);
      stream.once('error', done);
    });
  },
  close: () => new Promise<void>((resolve) => stream.write('', () => resolve())),
  abandon: () => undefined,
});

/**
 * Input per frame. zstd: 1 MB. With 4 MB frames each call allocated its output afresh (a 542
 * MB backup: 1.72-1.76 s and 120 MB of RSS, with 1 MB frames 1.57-1.65 s and 92 MB); 256 kB
 * frames compress worse and slower (1.58-1.76 s against 1.44-1.51, 7 % larger). LZ4: 256 kB,
 * pg_basebackup's LZ4 block size. LZ4 frames are made on this thread (lz4.ts), and while one
 * compresses nothing reads the socket: the walsender fills the socket's ~200 kB and waits. A
 * 1 MB frame kept it waiting ~0.4 ms at a time; with 256 kB frames the same backup took
 * 887-947 ms against 1010-1162 (64 kB: 874-1039), pg_basebackup 646-786 ms.
 */
const FRAME_BYTES: Readonly<Record<'lz4' | 'zstd', number>> = { lz4: 256 * 1024, zstd: 1024 * 1024 };
/**
 * Client-side compression in front of another sink. The encoder gathers the input into
 * batches (it copies: a chunk may be a view into a buffer its producer reuses); zlib
 * compresses gzip's on the thread pool while this thread goes on receiving, LZ4 and zstd
 * frames are made on this thread. gzip output is one member, LZ4 and zstd output a series of
 * frames, which their tools and PostgreSQL's decoders read as one stream.
 */
export const compressingSink = async (inner: ByteSink, spec: CompressionSpec): Promise<ByteSink> => {
  if (spec.method === 'none') return inner;
  const frameBytes = spec.method === 'gzip' ? undefined : FRAME_BYTES[spec.method];
  const encoder = await createStreamEncoder({ method: spec.method, level: spec.level, ...(frameBytes === undefined ? {} : { frameBytes }) });
  const push = async (parts: Buffer[]): Promise<void> => {
    for (const part of parts) {
      const pending = inner.write(part);
      if (pending !== undefined) await pending;
    }
  };
  return {
    write: async (chunk) => push(await encoder.update(chunk)),
    close: async () => {
      await push(await encoder.end());
      await inner.close();
    },
    abandon: () => inner.abandon(),
  };
};
