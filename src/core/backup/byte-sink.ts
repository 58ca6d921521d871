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

const BATCH_BYTES = 1024 * 1024;

/**
 * Client-side compression in front of another sink. Input is gathered into 1 MB batches so
 * the compressor (zlib on the thread pool; LZ4 and zstd one frame per batch) sees large
 * inputs; gzip output is one member, LZ4 and zstd output a series of frames, which their
 * tools and PostgreSQL's decoders read as one stream.
 */
export const compressingSink = async (inner: ByteSink, spec: CompressionSpec): Promise<ByteSink> => {
  if (spec.method === 'none') return inner;
  const encoder = await createStreamEncoder({
    method: spec.method,
    level: spec.level,
    frameBytes: 4 * BATCH_BYTES,
  });
  let batch: Buffer[] = [];
  let batched = 0;
  const push = async (parts: Buffer[]): Promise<void> => {
    for (const part of parts) {
      const pending = inner.write(part);
      if (pending !== undefined) await pending;
    }
  };
  const flushBatch = async (): Promise<void> => {
    if (batched === 0) return;
    const input = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    await push(await encoder.update(input));
  };
  return {
    write: (chunk) => {
      // The chunk may be a view into a buffer its producer reuses: keep a copy.
      batch.push(Buffer.from(chunk));
      batched += chunk.length;
      return batched >= BATCH_BYTES ? flushBatch() : undefined;
    },
    close: async () => {
      await flushBatch();
      await push(await encoder.end());
      await inner.close();
    },
    abandon: () => inner.abandon(),
  };
};
