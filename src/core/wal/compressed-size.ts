import { open, readFile } from 'node:fs/promises';
import { decompressFrameSync } from 'lz4-napi';
import { ValidationError } from '../errors.js';
import { withFsError } from '../fs/fs-error.js';
import { lz4Frames, zstdFrames, type FrameSlice } from './compressed-frames.js';
import type { CompressionMethod } from './wal-file-kind.js';
import { loadZstd } from './zstd-runtime.js';

/**
 * The uncompressed size of a compressed WAL file, to tell a completed segment from a
 * truncated one. gzip: the ISIZE trailer of its (single) member, as pg_receivewal reads it.
 * LZ4 and zstd: the sum over every frame (declared size, or decoded when undeclared).
 * A file that cannot be decoded counts as size -1 so that the caller skips it with a warning.
 */
export async function uncompressedSizeOf(path: string, method: CompressionMethod, segSize: number): Promise<number> {
  if (method === 'gzip') return gzipTrailerSize(path);
  if (method === 'none') throw new ValidationError('not-compressed', `Cannot measure "${path}": it is not compressed`);
  const data = await withFsError('read file', path, () => readFile(path));
  try {
    return method === 'lz4' ? lz4Size(data, segSize) : await zstdSize(data, segSize);
  } catch {
    // Undecodable (truncated by a crash, or not ours): not a complete segment.
    return -1;
  }
}

const gzipTrailerSize = async (path: string): Promise<number> => {
  const handle = await withFsError('open compressed file', path, () => open(path, 'r'));
  try {
    const { size } = await withFsError('stat compressed file', path, () => handle.stat());
    if (size < 18) return -1;
    const trailer = Buffer.alloc(4);
    await withFsError('read compressed file', path, () => handle.read(trailer, 0, 4, size - 4));
    return trailer.readUInt32LE(0);
  } finally {
    await handle.close();
  }
};

const sumFrames = (frames: FrameSlice[], limit: number, decode: (frame: FrameSlice) => number): number => {
  let total = 0;
  for (const frame of frames) {
    if (frame.skippable) continue;
    total += frame.contentSize === undefined ? decode(frame) : Number(frame.contentSize);
    // Past one segment the answer is already "wrong size": stop decoding, like pg_receivewal.
    if (total > limit) break;
  }
  return total;
};

const lz4Size = (data: Buffer, segSize: number): number =>
  sumFrames(lz4Frames(data), segSize, (frame) => decompressFrameSync(data.subarray(frame.start, frame.end)).length);

const zstdSize = async (data: Buffer, segSize: number): Promise<number> => {
  const frames = zstdFrames(data);
  if (frames.every((frame) => frame.skippable || frame.contentSize !== undefined)) {
    return sumFrames(frames, segSize, () => 0);
  }
  const zstd = await loadZstd();
  return sumFrames(frames, segSize, (frame) =>
    zstd.decompress(data.subarray(frame.start, frame.end), { defaultHeapSize: segSize + 1 }).length,
  );
};
