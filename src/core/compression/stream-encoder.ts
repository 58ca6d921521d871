import { constants as zlibConstants, type Gzip } from 'node:zlib';
import type { CompressionMethod } from './compression-method.js';
import { Batcher } from '../fs/batcher.js';
import { createGzipStream } from './gzip.js';
import { lz4Compress } from './lz4.js';
import { zstdCompress } from './zstd.js';

/**
 * Compresses one file incrementally, so a receiver can make what it has received durable
 * at any moment. gzip: a single member (its ISIZE trailer is how pg_receivewal recognises a
 * complete segment), made decodable up to the last input by Z_SYNC_FLUSH. LZ4 and zstd:
 * one frame per batch of input (at most `frameBytes`, or whatever a flush finds), which
 * their command-line tools decode as one stream.
 */
export interface StreamEncoder {
  /**
   * Accepts input (copied: the caller may reuse its buffer at once); returns the compressed
   * bytes that became ready (possibly none). gzip's compression of earlier input may still be
   * running on the thread pool when this returns (zlib's stream), so the caller's thread goes
   * on receiving while it compresses.
   */
  update(data: Buffer): Promise<Buffer[]>;
  /** Returns the bytes that make every input so far decodable. */
  flush(): Promise<Buffer[]>;
  /** Ends the stream: the remaining bytes, trailer included. The encoder is done. */
  end(): Promise<Buffer[]>;
}

export type CompressingMethod = Exclude<CompressionMethod, 'none'>;

export interface EncoderOptions {
  readonly method: CompressingMethod;
  /** gzip: -1 (default) or 1..9; zstd: its level; lz4: accepted, the encoder has one speed. */
  readonly level: number;
  /** LZ4/zstd: input gathered before a frame is cut (default 1 MB). */
  readonly frameBytes?: number;
}

/** Input gathered before zlib sees it: each write is a thread-pool job, small ones waste it. */
const GZIP_BATCH_BYTES = 1024 * 1024;

export async function createStreamEncoder(options: EncoderOptions): Promise<StreamEncoder> {
  // Frames come from the compression core (with content checksums, as the CLI tools write them).
  const frameBytes = options.frameBytes ?? 1024 * 1024;
  switch (options.method) {
    case 'gzip':
      return new GzipEncoder(options.level);
    case 'lz4':
      return new FramingEncoder(frameBytes, (data) => lz4Compress(data));
    case 'zstd':
      return new FramingEncoder(frameBytes, (data) => zstdCompress(data, options.level));
  }
}

class GzipEncoder implements StreamEncoder {
  private readonly gzip: Gzip;
  private readonly batcher = new Batcher(GZIP_BATCH_BYTES, 2);
  private output: Buffer[] = [];
  private failure: Error | undefined;
  /** The batch zlib is compressing while the next one is gathered. */
  private writing: Promise<void> = Promise.resolve();

  constructor(level: number) {
    this.gzip = createGzipStream(level);
    this.gzip.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.gzip.on('error', (error: Error) => {
      this.failure = error;
    });
  }

  async update(data: Buffer): Promise<Buffer[]> {
    const full: Buffer[] = [];
    this.batcher.add(data, (batch) => full.push(batch));
    for (const batch of full) await this.write(batch);
    return this.take();
  }

  async flush(): Promise<Buffer[]> {
    await this.writeRest();
    await new Promise<void>((resolve) => this.gzip.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
    return this.take();
  }

  async end(): Promise<Buffer[]> {
    await this.writeRest();
    await new Promise<void>((resolve, reject) => {
      this.gzip.once('end', resolve);
      this.gzip.once('error', reject);
      this.gzip.end();
      // 'end' fires only once the output is consumed; the 'data' listener does that.
    });
    return this.take();
  }

  /** Waits for the previous batch, then hands zlib this one without waiting for it. */
  private async write(batch: Buffer): Promise<void> {
    await this.writing;
    this.writing = new Promise<void>((resolve, reject) => {
      this.gzip.write(batch, (error) => {
        // zlib is done with the batch (it keeps no reference once the write completes).
        this.batcher.release(batch);
        if (error) reject(error);
        else resolve();
      });
    });
    this.writing.catch(() => undefined); // awaited by the next write, flush or end
  }

  private async writeRest(): Promise<void> {
    const rest = this.batcher.take();
    if (rest !== undefined) await this.write(rest);
    await this.writing;
  }

  private take(): Buffer[] {
    if (this.failure !== undefined) throw this.failure;
    const ready = this.output;
    this.output = [];
    return ready;
  }
}

/**
 * Cuts frames of `frameBytes` and compresses each as it fills. Both frame compressors run on
 * this thread (lz4.ts says why for LZ4; zstd is WebAssembly), so a frame is compressed before
 * the next input is copied and one batch buffer serves every frame.
 */
class FramingEncoder implements StreamEncoder {
  private readonly batcher: Batcher;

  constructor(frameBytes: number, private readonly compress: (data: Buffer) => Promise<Buffer>) {
    this.batcher = new Batcher(frameBytes, 1);
  }

  async update(data: Buffer): Promise<Buffer[]> {
    const full: Buffer[] = [];
    this.batcher.add(data, (frame) => full.push(frame));
    const ready: Buffer[] = [];
    for (const frame of full) ready.push(await this.frameOf(frame));
    return ready;
  }

  async flush(): Promise<Buffer[]> {
    const rest = this.batcher.take();
    return rest === undefined ? [] : [await this.frameOf(rest)];
  }

  end(): Promise<Buffer[]> {
    return this.flush();
  }

  private async frameOf(batch: Buffer): Promise<Buffer> {
    try {
      return await this.compress(batch);
    } finally {
      this.batcher.release(batch);
    }
  }
}
