import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CompressionMethod } from '../compression/compression-method.js';
import type { WalFileName } from './wal-file-kind.js';

/** One stored form of a WAL file in an archive directory. */
export interface ArchivedVariant {
  readonly name: string;
  readonly path: string;
  readonly compression: CompressionMethod;
  readonly size: number;
}

const suffixes: readonly (readonly [string, CompressionMethod])[] = [
  ['', 'none'],
  ['.gz', 'gzip'],
  ['.lz4', 'lz4'],
  ['.zst', 'zstd'],
];

/**
 * Names under which an archive may hold `file` (a plain name from pg_wal or from `%f`):
 * segments and partial segments plain or compressed (X.partial.gz as archivewal writes it,
 * X.gz.partial as pg_receivewal leaves it), history and backup history files only plain.
 */
export const archiveNamesFor = (file: WalFileName): readonly (readonly [string, CompressionMethod])[] => {
  if (file.kind === 'history' || file.kind === 'backup') return [[file.plainName, 'none']];
  const names = suffixes.map(([suffix, method]) => [`${file.plainName}${suffix}`, method] as const);
  if (file.kind === 'partial') {
    for (const [suffix, method] of suffixes.slice(1)) names.push([`${file.segmentName}${suffix}.partial`, method]);
  }
  return names;
};

/**
 * The forms of `file` present in `archive` as regular files, plain first. A handful of
 * lstat(2) calls, never a directory scan: archives hold hundreds of thousands of files and
 * restore_command runs once per segment.
 */
export function findArchivedVariants(archive: string, file: WalFileName): ArchivedVariant[] {
  const found: ArchivedVariant[] = [];
  for (const [name, compression] of archiveNamesFor(file)) {
    const path = join(archive, name);
    // lstat: a link in the archive is not an archived file, wherever it points (a link
    // named like a backup history file aimed at /etc/shadow must not be served).
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (info !== undefined && info.isFile()) found.push({ name, path, compression, size: info.size });
  }
  return found;
}

/** Whether `archive` is a directory one can look in; one stat(2), for the "missing" answers. */
export const isArchiveDirectory = (archive: string): boolean =>
  statSync(archive, { throwIfNoEntry: false })?.isDirectory() === true;
