import type { Writable } from 'node:stream';
import { createStreamEncoder } from '../compression/stream-encoder.js';
import type { CompressionSpec } from '../compression/compression-spec.js';
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

export const fileSink = (path: string, mode: number, queue: SyncQueue): ByteSink => {
  const file = OutputFile.create(path, mode, queue);
  return {
    write: (chunk) => file.write(chunk),
    close: () => file.close(),
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

/** Frames of 4 MB: large enough that per-frame costs vanish, few enough to bound memory. */
const FRAME_BYTES = 4 * 1024 * 1024;

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
