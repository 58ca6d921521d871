import { Decompress } from 'fzstd';
import type { CompressionMethod } from './compression-method.js';
import { messageOf } from '../errors.js';
import { corruptInput } from './compression-error.js';
import { createGunzipStream } from './gzip.js';
import { Lz4FrameDecoder } from './lz4-frame-decoder.js';

/**
 * Decompresses one stream of unknown, possibly huge length incrementally: bytes in,
 * decompressed chunks out (a server-compressed base backup is one frame of many GB). The
 * whole-buffer codecs in codec.ts are faster for one WAL segment; see
 * docs/dev/compression.md for which library does what and why.
 */
export interface StreamDecoder {
  update(data: Buffer): Promise<Buffer[]>;
  /** The input is complete; throws when it stopped inside a compressed unit. */
  end(): Promise<Buffer[]>;
}

class GzipDecoder implements StreamDecoder {
  private readonly gunzip = createGunzipStream();
  private output: Buffer[] = [];
  private failure: Error | undefined;

  constructor(private readonly name: string) {
    this.gunzip.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.gunzip.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  async update(data: Buffer): Promise<Buffer[]> {
    if (this.failure === undefined) {
      // zlib reports damage by 'error' and may never call the write's callback then.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.gunzip.off('error', done);
          resolve();
        };
        this.gunzip.once('error', done);
        this.gunzip.write(data, done);
      });
    }
    return this.take();
  }

  async end(): Promise<Buffer[]> {
    if (this.failure !== undefined) return this.take();
    await new Promise<void>((resolve) => {
      this.gunzip.once('end', resolve);
      this.gunzip.once('error', () => resolve());
      this.gunzip.end();
    });
    return this.take();
  }

  private take(): Buffer[] {
    if (this.failure !== undefined) throw corruptInput(this.name, this.failure.message, this.failure);
    const ready = this.output;
    this.output = [];
    return ready;
  }
}

class ZstdDecoder implements StreamDecoder {
  private output: Buffer[] = [];
  private readonly stream = new Decompress((chunk) => {
    this.output.push(Buffer.from(chunk));
  });

  constructor(private readonly name: string) {}

  update(data: Buffer): Promise<Buffer[]> {
    return this.run(() => this.stream.push(data));
  }

  end(): Promise<Buffer[]> {
    return this.run(() => this.stream.push(new Uint8Array(0), true));
  }

  private run(action: () => void): Promise<Buffer[]> {
    try {
      action();
    } catch (error) {
      return Promise.reject(corruptInput(this.name, messageOf(error), error));
    }
    const ready = this.output;
    this.output = [];
    return Promise.resolve(ready);
  }
}

class Lz4Decoder implements StreamDecoder {
  private readonly decoder: Lz4FrameDecoder;
  constructor(name: string) {
    this.decoder = new Lz4FrameDecoder(name);
  }
  update(data: Buffer): Promise<Buffer[]> {
    return Promise.resolve(this.decoder.update(data));
  }
  end(): Promise<Buffer[]> {
    return Promise.resolve(this.decoder.end());
  }
}

/** A decoder for `method`; `name` (a file name) is what its errors name. */
export const createStreamDecoder = (method: Exclude<CompressionMethod, 'none'>, name = `${method} data`): StreamDecoder => {
  switch (method) {
    case 'gzip':
      return new GzipDecoder(name);
    case 'lz4':
      return new Lz4Decoder(name);
    case 'zstd':
      return new ZstdDecoder(name);
  }
};
