import { createReadStream } from 'node:fs';
import { lstat, open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf, ValidationError } from '../errors.js';
import { parseLongPageHeader } from '../wal/page-header.js';
import { segmentFileName, segmentNumberOf, segmentStartLsn } from '../wal/segment-name.js';
import { isBackupLink } from './backup-links.js';
import { createChecksum } from './checksum.js';
import { type BackupManifest, type ManifestFile, parseManifest } from './manifest.js';
import { createStreamDecoder } from '../compression/stream-decoder.js';
import { archiveCompression, type TarMember } from './tar-format.js';
import { TarParser } from './tar-parser.js';

/** Paths pg_verifybackup skips by default (and everything under them). */
const IGNORED = ['backup_manifest', 'pg_wal', 'postgresql.auto.conf', 'recovery.signal', 'standby.signal'];

const ignored = (path: string): boolean =>
  IGNORED.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

export interface VerifyOptions {
  readonly format: 'plain' | 'tar';
  /** Expected system identifier of the WAL (IDENTIFY_SYSTEM's). */
  readonly systemIdentifier?: string;
  /** false for -X none backups, which hold no WAL (pg_verifybackup --no-parse-wal). */
  readonly checkWal?: boolean;
}

export interface VerifyReport {
  /** One line per problem, in pg_verifybackup's wording where it has one. */
  readonly problems: string[];
  readonly files: number;
  readonly bytes: number;
  readonly walSegments: number;
}

interface Seen {
  size: number;
  checksum?: Buffer;
}

/**
 * The WAL segments each range needs: from its start's segment to its end's. Counted before
 * they are listed: a manifest (from a server, or a file anyone could edit) whose ranges need
 * more segments than the backup holds cannot be satisfied, and 0/0-FFFFFFFF/FFFFFFFF would
 * list 2^40 of them. Undefined then, with the count.
 */
const neededSegments = (
  manifest: BackupManifest,
  segSize: number,
  available: number,
): { name: string; start: bigint }[] | { tooMany: bigint } => {
  const spans = manifest.walRanges.map((range) => {
    const last = range.endLsn > range.startLsn ? range.endLsn - 1n : range.endLsn;
    const first = segmentNumberOf(range.startLsn, segSize);
    return { range, first, last: segmentNumberOf(last, segSize) };
  });
  const total = spans.reduce((sum, span) => sum + (span.last >= span.first ? span.last - span.first + 1n : 0n), 0n);
  if (total > BigInt(available)) return { tooMany: total };
  const needed: { name: string; start: bigint }[] = [];
  for (const { range, first, last } of spans) {
    for (let segno = first; segno <= last; segno += 1n) {
      needed.push({ name: segmentFileName(range.timeline, segno, segSize), start: segmentStartLsn(segno, segSize) });
    }
  }
  return needed;
};

const checksumOfFile = async (path: string, entry: ManifestFile): Promise<{ size: number; digest: Buffer }> => {
  const sum = createChecksum(entry.algorithm);
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    sum.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, digest: sum.digest() };
};

/** What was found in the backup: its files (size, checksum), its WAL (size, first page). */
interface Contents {
  readonly seen: Map<string, Seen>;
  readonly walPages: Map<string, Buffer>;
  readonly walSizes: Map<string, number>;
  readonly problems: string[];
  bytes: number;
}

const sawWal = (contents: Contents, name: string, size: number, firstPage: Buffer): void => {
  contents.walPages.set(name, firstPage.subarray(0, 40));
  contents.walSizes.set(name, size);
};

/**
 * `--verify`: checks a finished backup against its backup_manifest as pg_verifybackup does
 * (every file present with its size and checksum, nothing extra, the manifest's own
 * checksum), and also that the WAL the manifest's ranges need is in the backup with sound
 * segment headers. Works on plain directories and on tar backups (compressed or not).
 */
export const verifyBackup = async (dir: string, options: VerifyOptions): Promise<VerifyReport> => {
  const manifest = parseManifest(await readFile(join(dir, 'backup_manifest')));
  const entries = new Map(manifest.files.map((f) => [f.path, f]));
  const contents: Contents = { seen: new Map(), walPages: new Map(), walSizes: new Map(), problems: [], bytes: 0 };
  if (options.format === 'plain') await readPlainBackup(dir, entries, contents);
  else await readTarBackup(dir, entries, contents);
  compareWithManifest(contents, entries);
  const { problems, seen, bytes } = contents;
  if (options.checkWal === false) return { problems, files: seen.size, bytes, walSegments: 0 };
  const walSegments = checkNeededWal(manifest, contents, options.systemIdentifier);
  return { problems, files: seen.size, bytes, walSegments };
};

/** A plain backup: every file's size (links followed where a backup has them), checksums, pg_wal. */
const readPlainBackup = async (dir: string, entries: ReadonlyMap<string, ManifestFile>, contents: Contents): Promise<void> => {
  const { seen, problems } = contents;
  const walk = async (relative: string): Promise<void> => {
    const full = relative === '' ? dir : join(dir, relative);
    for (const name of await readdir(full)) {
      const path = relative === '' ? name : `${relative}/${name}`;
      if (ignored(path)) continue;
      // Links are followed only where a backup has them (tablespaces), never in a loop.
      const link = await lstat(join(dir, path)).catch(() => undefined);
      const info = link?.isSymbolicLink() === true
        ? (isBackupLink(path) ? await stat(join(dir, path)).catch(() => undefined) : link)
        : link;
      if (info === undefined) problems.push(`could not stat file or directory "${path}"`);
      else if (info.isDirectory()) await walk(path);
      else if (!info.isFile()) problems.push(`"${path}" is not a file or directory`);
      else seen.set(path, { size: info.size });
    }
  };
  await walk('');
  for (const [path, info] of seen) {
    const entry = entries.get(path);
    if (entry === undefined || info.size !== entry.size) continue;
    const { size, digest } = await checksumOfFile(join(dir, path), entry);
    info.checksum = digest;
    contents.bytes += size;
  }
  const walDir = join(dir, 'pg_wal');
  for (const name of await readdir(walDir).catch(() => [] as string[])) {
    if (!/^[0-9A-F]{24}$/.test(name)) continue;
    const path = join(walDir, name);
    const info = await stat(path);
    const handle = await open(path, 'r');
    const page = Buffer.alloc(40);
    try {
      await handle.read(page, 0, 40, 0);
    } finally {
      await handle.close();
    }
    sawWal(contents, name, info.size, page);
  }
};

/** A tar backup: base.tar, one per tablespace and pg_wal.tar, each read through once. */
const readTarBackup = async (dir: string, entries: ReadonlyMap<string, ManifestFile>, contents: Contents): Promise<void> => {
  const names = (await readdir(dir)).filter((n) => /^(base|[0-9]+|pg_wal)\.tar(\.gz|\.lz4|\.zst)?$/.test(n));
  if (!names.some((n) => n.startsWith('base.tar'))) contents.problems.push('"base.tar" is missing from the backup');
  for (const archive of names) {
    try {
      await readTarArchive(join(dir, archive), archive, entries, contents);
    } catch (error) {
      // An archive that cannot be read through (an unsafe member name, damage) is a finding
      // about this backup, like any mismatch: reported, and the backup kept to be looked at.
      if (!(error instanceof ValidationError)) throw error;
      contents.problems.push(`"${archive}": ${error.message}`);
    }
  }
};

interface MemberSeen {
  readonly path: string;
  readonly entry?: ManifestFile;
  readonly sum?: ReturnType<typeof createChecksum>;
  size: number;
  readonly wal?: string;
  readonly page?: Buffer[];
}

const readTarArchive = async (
  path: string,
  archive: string,
  entries: ReadonlyMap<string, ManifestFile>,
  contents: Contents,
): Promise<void> => {
  const oid = /^([0-9]+)\.tar/.exec(archive)?.[1];
  const isWal = archive.startsWith('pg_wal.tar');
  const prefix = oid === undefined ? '' : `pg_tblspc/${oid}/`;
  const compression = archiveCompression(archive);
  const decoder = compression === undefined || compression === 'none' ? undefined : createStreamDecoder(compression, archive);
  let current: MemberSeen | undefined;
  const parser = new TarParser({
    memberStart: (member: TarMember) => {
      current = undefined;
      if (member.type !== 'file') return;
      const memberPath = `${prefix}${member.name.replace(/^\.\//, '')}`;
      const walName = isWal ? member.name : /^pg_wal\/([0-9A-F]{24})$/.exec(memberPath)?.[1];
      if (walName !== undefined && /^[0-9A-F]{24}$/.test(walName)) {
        current = { path: memberPath, size: 0, wal: walName, page: [] };
        return;
      }
      if (isWal || ignored(memberPath)) return;
      const entry = entries.get(memberPath);
      current = { path: memberPath, size: 0, ...(entry === undefined ? {} : { entry, sum: createChecksum(entry.algorithm) }) };
    },
    memberData: (_m, chunk) => {
      if (current === undefined) return;
      if (current.page !== undefined && current.size < 40) current.page.push(Buffer.from(chunk.subarray(0, 40)));
      current.sum?.update(chunk);
      current.size += chunk.length;
    },
    memberEnd: () => {
      if (current === undefined) return;
      if (current.wal !== undefined) {
        sawWal(contents, current.wal, current.size, Buffer.concat(current.page ?? []));
      } else {
        contents.seen.set(current.path, { size: current.size, ...(current.sum === undefined ? {} : { checksum: current.sum.digest() }) });
        contents.bytes += current.size;
      }
      current = undefined;
    },
    archiveEnd: () => undefined,
  });
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const parts = decoder === undefined ? [chunk as Buffer] : await decoder.update(chunk as Buffer);
    for (const part of parts) await parser.push(part);
  }
  if (decoder !== undefined) for (const part of await decoder.end()) await parser.push(part);
  await parser.end();
};

/** pg_verifybackup's findings: files missing, extra, of another size or checksum. */
const compareWithManifest = (contents: Contents, entries: ReadonlyMap<string, ManifestFile>): void => {
  const { seen, problems } = contents;
  for (const [path, info] of seen) {
    const entry = entries.get(path);
    if (entry === undefined) {
      problems.push(`"${path}" is present on disk but not in the manifest`);
    } else if (info.size !== entry.size) {
      problems.push(`"${path}" has size ${info.size} on disk but size ${entry.size} in the manifest`);
    } else if (entry.algorithm !== 'NONE' && info.checksum !== undefined && !info.checksum.equals(entry.checksum)) {
      problems.push(`checksum mismatch for file "${path}"`);
    }
  }
  for (const path of entries.keys()) {
    if (!seen.has(path) && !ignored(path)) problems.push(`"${path}" is present in the manifest but not on disk`);
  }
};

/** Every segment the manifest's WAL ranges need: present, full size, its own address and system. */
const checkNeededWal = (manifest: BackupManifest, contents: Contents, systemIdentifier: string | undefined): number => {
  const { walPages, walSizes, problems } = contents;
  const segSizeGuess = [...walPages.values()].map((p) => (p.length >= 40 ? p.readUInt32LE(32) : 0)).find((s) => s > 0);
  const listed = segSizeGuess === undefined ? [] : neededSegments(manifest, segSizeGuess, walPages.size);
  if (!Array.isArray(listed)) {
    problems.push(`the manifest's WAL ranges need ${listed.tooMany} WAL segments, the backup holds ${walPages.size}`);
  }
  const needed = Array.isArray(listed) ? listed : [];
  if (manifest.walRanges.length > 0 && segSizeGuess === undefined) {
    problems.push('no WAL segments found for the backup\'s WAL range');
  }
  for (const { name, start } of needed) {
    const page = walPages.get(name);
    if (page === undefined) {
      problems.push(`WAL segment "${name}" needed to restore the backup is missing`);
      continue;
    }
    if (walSizes.get(name) !== segSizeGuess) {
      problems.push(`WAL segment "${name}" has size ${walSizes.get(name) ?? 0}, expected ${segSizeGuess ?? 0}`);
      continue;
    }
    try {
      const header = parseLongPageHeader(page);
      if (header.pageAddress !== start) problems.push(`WAL segment "${name}" does not start at its own address`);
      else if (systemIdentifier !== undefined && header.systemIdentifier !== systemIdentifier) {
        problems.push(`WAL segment "${name}" belongs to database system ${header.systemIdentifier}`);
      }
    } catch (error) {
      problems.push(`WAL segment "${name}": ${messageOf(error)}`);
    }
  }
  return needed.length;
};
