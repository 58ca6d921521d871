import { constants } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { fileSystemError, noProgressError, withFsError } from '../fs/fs-error.js';
import { fsyncDirectory } from '../fs/sync.js';
import { dropBytes, notRegularFile, PARTIAL_SUFFIX, type SegmentFile, type SegmentFileOptions } from './segment-file.js';
import { createStreamEncoder, type CompressingMethod, type StreamEncoder } from '../compression/stream-encoder.js';
import { suffixOfCompression } from './wal-file-kind.js';

export interface CompressedSegmentFileOptions extends SegmentFileOptions {
  readonly method: CompressingMethod;
  readonly level: number;
}

/**
 * Opens `<segment>.<gz|lz4|zst>.partial`. A compressed partial cannot be resumed in the
 * middle, so the receiver always restarts such a segment from its first byte: the file is
 * truncated (pg_receivewal 15 reopens it without truncating and can leave stale bytes at
 * its end).
 */
export async function openCompressedSegmentFile(options: CompressedSegmentFileOptions): Promise<SegmentFile> {
  const { dir, segmentName, sync, mode } = options;
  const name = `${segmentName}${suffixOfCompression(options.method)}`;
  const partialName = `${name}${PARTIAL_SUFFIX}`;
  const partialPath = join(dir, partialName);
  // O_NOFOLLOW: a link planted under this name makes the open fail instead of truncating
  // and filling whatever it points to.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await withFsError('open write-ahead log file', partialPath, () => open(partialPath, flags, mode));
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw notRegularFile(partialName);
  }
  try {
    await withFsError('set mode of write-ahead log file', partialPath, () => handle.chmod(mode));
    if (sync) await withFsError('fsync write-ahead log file', partialPath, () => handle.sync());
    await fsyncDirectory(dir, { sync });
    const encoder = await createStreamEncoder({ method: options.method, level: options.level });
    return new CompressedSegmentFile(handle, encoder, dir, name, partialName, partialPath, sync);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

class CompressedSegmentFile implements SegmentFile {
  readonly concurrentSync = false;
  private fileOffset = 0;
  private consumed = 0;
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly encoder: StreamEncoder,
    private readonly dir: string,
    readonly name: string,
    readonly partialName: string,
    private readonly partialPath: string,
    private readonly doSync: boolean,
  ) {}

  async write(chunks: readonly Buffer[], offset: number): Promise<void> {
    if (offset !== this.consumed) {
      throw new ValidationError(
        'wal-out-of-order',
        `Cannot compress "${this.partialName}": data for offset ${offset} arrived at offset ${this.consumed}`,
      );
    }
    for (const chunk of chunks) {
      await this.append(await this.encoder.update(chunk));
      this.consumed += chunk.length;
    }
  }

  async sync(): Promise<void> {
    if (this.closed) return;
    await this.append(await this.encoder.flush());
    if (this.doSync) await withFsError('fsync write-ahead log file', this.partialPath, () => this.handle.datasync());
  }

  async complete(): Promise<void> {
    await this.finish();
    const finalPath = join(this.dir, this.name);
    await withFsError('rename file', `${this.partialPath}" to "${finalPath}`, () => rename(this.partialPath, finalPath));
    await fsyncDirectory(this.dir, { sync: this.doSync });
  }

  async keepPartial(): Promise<void> {
    await this.finish();
    await fsyncDirectory(this.dir, { sync: this.doSync });
  }

  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }

  private async finish(): Promise<void> {
    if (this.closed) return;
    try {
      await this.append(await this.encoder.end());
      if (this.doSync) await withFsError('fsync write-ahead log file', this.partialPath, () => this.handle.sync());
    } finally {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
  }

  private async append(output: readonly Buffer[]): Promise<void> {
    let pending = output.filter((b) => b.length > 0);
    while (pending.length > 0) {
      const total = pending.reduce((sum, b) => sum + b.length, 0);
      const { bytesWritten } = await withFsError('write to write-ahead log file', this.partialPath, () =>
        this.handle.writev(pending, this.fileOffset),
      );
      this.fileOffset += bytesWritten;
      if (bytesWritten === total) return;
      if (bytesWritten === 0) throw fileSystemError(noProgressError(), 'write to write-ahead log file', this.partialPath);
      pending = dropBytes(pending, bytesWritten);
    }
  }
}
