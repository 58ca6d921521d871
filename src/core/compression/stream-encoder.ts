import { constants as zlibConstants, type Gzip } from 'node:zlib';
import type { CompressionMethod } from './compression-method.js';
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
  /** Accepts input; returns the compressed bytes that became ready (possibly none). */
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
  private output: Buffer[] = [];
  private failure: Error | undefined;

  constructor(level: number) {
    this.gzip = createGzipStream(level);
    this.gzip.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.gzip.on('error', (error: Error) => {
      this.failure = error;
    });
  }

  async update(data: Buffer): Promise<Buffer[]> {
    await new Promise<void>((resolve, reject) => {
      this.gzip.write(data, (error) => (error ? reject(error) : resolve()));
    });
    return this.take();
  }

  async flush(): Promise<Buffer[]> {
    await new Promise<void>((resolve) => this.gzip.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
    return this.take();
  }

  async end(): Promise<Buffer[]> {
    await new Promise<void>((resolve, reject) => {
      this.gzip.once('end', resolve);
      this.gzip.once('error', reject);
      this.gzip.end();
      // 'end' fires only once the output is consumed; the 'data' listener does that.
    });
    return this.take();
  }

  private take(): Buffer[] {
    if (this.failure !== undefined) throw this.failure;
    const ready = this.output;
    this.output = [];
    return ready;
  }
}

class FramingEncoder implements StreamEncoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly frameBytes: number,
    private readonly compress: (data: Buffer) => Promise<Buffer>,
  ) {}

  async update(data: Buffer): Promise<Buffer[]> {
    // Kept until the frame is cut, after the caller reuses its buffer: copy.
    this.pending.push(Buffer.from(data));
    this.pendingBytes += data.length;
    return this.pendingBytes >= this.frameBytes ? this.cut() : [];
  }

  flush(): Promise<Buffer[]> {
    return this.cut();
  }

  end(): Promise<Buffer[]> {
    return this.cut();
  }

  private async cut(): Promise<Buffer[]> {
    if (this.pendingBytes === 0) return [];
    const input = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return [await this.compress(input)];
  }
}
