import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { ValidationError } from '../errors.js';
import type { CompressionAlgorithm } from './compression-spec.js';
import { Lz4FrameDecoder } from './lz4-frame-decoder.js';

/** Decompresses one archive incrementally: bytes in, decompressed chunks out. */
export interface StreamDecoder {
  update(data: Buffer): Promise<Buffer[]>;
  /** The input is complete; throws when it stopped inside a compressed unit. */
  end(): Promise<Buffer[]>;
}

class GzipDecoder implements StreamDecoder {
  private readonly gunzip = createGunzip();
  private output: Buffer[] = [];
  private failure: Error | undefined;

  constructor() {
    this.gunzip.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.gunzip.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  async update(data: Buffer): Promise<Buffer[]> {
    await new Promise<void>((resolve) => {
      this.gunzip.write(data, () => resolve());
    });
    return this.take();
  }

  async end(): Promise<Buffer[]> {
    await new Promise<void>((resolve) => {
      this.gunzip.once('end', resolve);
      this.gunzip.once('error', () => resolve());
      this.gunzip.end();
    });
    return this.take();
  }

  private take(): Buffer[] {
    if (this.failure !== undefined) {
      throw new ValidationError('gzip-data', `Cannot decompress gzip data: ${this.failure.message}`);
    }
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
      const reason = error instanceof Error ? error.message : String(error);
      return Promise.reject(new ValidationError('zstd-data', `Cannot decompress zstd data: ${reason}`));
    }
    const ready = this.output;
    this.output = [];
    return Promise.resolve(ready);
  }
}

class Lz4Decoder implements StreamDecoder {
  private readonly decoder = new Lz4FrameDecoder();
  update(data: Buffer): Promise<Buffer[]> {
    return Promise.resolve(this.decoder.update(data));
  }
  end(): Promise<Buffer[]> {
    return Promise.resolve(this.decoder.end());
  }
}

export const createStreamDecoder = (algorithm: Exclude<CompressionAlgorithm, 'none'>): StreamDecoder => {
  switch (algorithm) {
    case 'gzip':
      return new GzipDecoder();
    case 'lz4':
      return new Lz4Decoder();
    case 'zstd':
      return new ZstdDecoder();
  }
};

/** The compression an archive's name says it has (".tar.gz", ".tar.lz4", ".tar.zst"). */
export const archiveCompression = (name: string): CompressionAlgorithm | undefined => {
  if (name.endsWith('.tar')) return 'none';
  if (name.endsWith('.tar.gz')) return 'gzip';
  if (name.endsWith('.tar.lz4')) return 'lz4';
  if (name.endsWith('.tar.zst')) return 'zstd';
  return undefined;
};
