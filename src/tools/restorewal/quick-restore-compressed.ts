import { closeSync, constants, fstatSync, fsyncSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { decompressBuffer } from '../../core/compression/codec.js';
import type { ArchivedVariant } from '../../core/wal/archive-variants.js';
import { DEFAULT_SEGMENT_SIZE, MAX_SEGMENT_SIZE } from '../../core/wal/segment-size.js';
import type { WalFileName } from '../../core/wal/wal-file-kind.js';
import { HEAD_BYTES } from './restored-copy.js';
import { checkSegmentHead, placeChecked, quickPlaceFor } from './quick-restore-steps.js';

/**
 * A segment a directory archive holds compressed (gzip, lz4, zstd), restored as the tool
 * does it (fetch-verified.ts: read without following a link, decompressed whole, its first
 * page checked against the name and pg_control's system, written to an exclusive temporary
 * name, renamed to %p) without loading the tool: its bundle, its option parser and the
 * asynchronous reads and writes cost a restore ~40 ms more than the work (docs/dev/
 * performance.md).
 *
 * Resolves false, having removed its temporary file, whenever anything is not that case or
 * fails: damaged data, a codec that cannot load, a first page from an older timeline, no
 * readable pg_control, a check that refuses, an error. The tool then does it all again and
 * says why, with its exit status.
 *
 * Bundled on its own into dist/quick/restorewal-compressed.cjs, which the bin shim's route
 * requires only for a compressed segment in a directory (scripts/bundle-quick-paths.mjs).
 */
export const restoreCompressedQuickly = async (
  variant: ArchivedVariant, file: WalFileName, targetArg: string, cwd: string,
): Promise<boolean> => {
  const place = variant.compression === 'none' ? undefined : quickPlaceFor(file, targetArg, cwd);
  if (place === undefined) return false;
  let content: Buffer;
  try {
    content = await decompressBuffer(readArchivedFile(variant.path), variant.compression, {
      name: variant.path,
      expectedSize: DEFAULT_SEGMENT_SIZE,
    });
  } catch {
    return false;
  }
  return placeChecked(place, (tmp) => {
    checkSegmentHead(place, content.subarray(0, HEAD_BYTES), content.length);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeFileSync(fd, content);
      if (place.sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
};

/**
 * The archived file, read without following a link (one swapped in after the lookup) and
 * only when it is a regular file no larger than any WAL file, as the directory archive
 * reads it for the tool; anything else throws.
 */
const readArchivedFile = (path: string): Buffer => {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MAX_SEGMENT_SIZE) throw new Error('not an archived WAL file');
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
};
