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
 * Frames of 1 MB. With 4 MB frames each lz4-napi call allocated its output afresh in memory
 * its allocator had returned to the kernel (mimalloc maps blocks this large on their own):
 * a 542 MB `-Z client-lz4` backup took 42-46k page faults, 1.26-1.40 s and 180 MB of RSS,
 * with 1 MB frames 15k, 1.06-1.12 s and 100 MB (zstd: 1.72-1.76 → 1.57-1.65 s, 120 → 92
 * MB). The archives grew by 0.08 % (lz4) and shrank by 3 % (zstd).
 */
const FRAME_BYTES = 1024 * 1024;

/**
 * Client-side compression in front of another sink. The encoder gathers the input into
 * large batches (it copies: a chunk may be a view into a buffer its producer reuses) and
 * compresses them on the thread pool while this thread goes on receiving; gzip output is
 * one member, LZ4 and zstd output a series of frames, which their tools and PostgreSQL's
 * decoders read as one stream.
 */
export const compressingSink = async (inner: ByteSink, spec: CompressionSpec): Promise<ByteSink> => {
  if (spec.method === 'none') return inner;
  const encoder = await createStreamEncoder({ method: spec.method, level: spec.level, frameBytes: FRAME_BYTES });
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
