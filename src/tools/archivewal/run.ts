import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { suffixOfCompression } from '../../core/compression/compression-method.js';
import type { CompressionSpec } from '../../core/compression/compression-spec.js';
import { FileSystemError, ValidationError } from '../../core/errors.js';
import { copyToTempFile, publishNoReplace, writeTempFile } from '../../core/fs/durable.js';
import { filesEqual } from '../../core/fs/files-equal.js';
import { withFsError } from '../../core/fs/fs-error.js';
import { removeStaleTempFiles } from '../../core/fs/stale-temp-files.js';
import { tempPathFor } from '../../core/fs/temp-name.js';
import { readArchiveSystemId, recordArchiveSystemId } from '../../core/wal/archive-system-id.js';
import { type ArchivedVariant, findArchivedVariants } from '../../core/wal/archive-variants.js';
import { classifyIncoming, type IncomingFile, readIncoming } from './incoming.js';

export interface ArchiveWalOptions {
  /** `%p`: the file to archive, relative to `cwd` (the data directory under archive_command). */
  readonly source: string;
  readonly archive: string;
  readonly cwd: string;
  readonly compression: Pick<CompressionSpec, 'method' | 'level'>;
  /** false: no fsync at all (tests; never for a real archive). */
  readonly sync: boolean;
}

export interface ArchiveWalResult {
  readonly file: string;
  /** 'archived': a new file; 'already-archived': the archive held identical content. */
  readonly outcome: 'archived' | 'already-archived';
  /** The name the content is stored under (with a compression suffix if compressed). */
  readonly storedAs: string;
  readonly bytes: number;
  readonly storedBytes: number;
  readonly systemIdentifier: string | undefined;
}

// The codecs load only when something is compressed: archive_command runs once per segment,
// and a plain push should cost little more than starting Node and copying the file.
const loadCodec = () => import('../../core/compression/codec.js');

/**
 * archive_command: validate the file, then publish it under its name in the archive without
 * ever replacing anything. A name already archived with the same content (in any of its
 * compressed forms) is success; with other content it is an error, and nothing changes.
 */
export async function runArchiveWal(options: ArchiveWalOptions): Promise<ArchiveWalResult> {
  const sourcePath = resolve(options.cwd, options.source);
  const file = classifyIncoming(options.source);
  const archive = resolve(options.cwd, options.archive);
  const archiveInfo = await withFsError('archive into', archive, () => stat(archive));
  if (!archiveInfo.isDirectory()) {
    throw new ValidationError('archive-not-directory', `Cannot archive into "${archive}": not a directory`);
  }
  const incoming = await readIncoming(sourcePath, file, archive);
  const systemIdentifier = await checkSystem(archive, incoming, options.sync);

  const existing = findArchivedVariants(archive, file);
  if (existing.length > 0) return sameAsArchived(incoming, existing, systemIdentifier);

  const method = file.kind === 'segment' || file.kind === 'partial' ? options.compression.method : 'none';
  const storedAs = `${file.plainName}${suffixOfCompression(method)}`;
  const finalPath = join(archive, storedAs);
  const tmp = tempPathFor(finalPath);
  let storedBytes = incoming.size;
  try {
    if (method === 'none') {
      await copyToTempFile(sourcePath, tmp, { sync: options.sync });
    } else {
      const { compressBuffer } = await loadCodec();
      const stored = await compressBuffer(await incoming.content(), { method, level: options.compression.level });
      storedBytes = stored.length;
      await writeTempFile(tmp, stored, { sync: options.sync, mode: 0o600 });
    }
  } catch (error) {
    // Out of space: what killed pushers on this host left behind may be the reason. Their
    // files go (the archiver retries this push); a scan costs too much to do on every push.
    if (error instanceof FileSystemError && error.code === 'disk-full') removeStaleTempFiles(archive);
    throw error;
  }
  const outcome = await publishNoReplace(tmp, finalPath, { sync: options.sync });
  if (outcome === 'exists') {
    // Another pusher published this name between our look and our link.
    return sameAsArchived(incoming, findArchivedVariants(archive, file), systemIdentifier);
  }
  return { file: file.name, outcome: 'archived', storedAs, bytes: incoming.size, storedBytes, systemIdentifier };
}

/**
 * Segments carry their system identifier: the first one archived records it, any other
 * system's segment is refused. History and backup history files carry none.
 */
const checkSystem = async (archive: string, incoming: IncomingFile, sync: boolean): Promise<string | undefined> => {
  const own = incoming.identity?.header.systemIdentifier;
  if (own === undefined) return readArchiveSystemId(archive);
  const recorded = await recordArchiveSystemId(archive, own, { sync });
  if (recorded !== own) {
    throw new ValidationError(
      'wal-foreign-system',
      `Cannot archive "${incoming.file.name}": it belongs to database system ${own}, the archive "${archive}" to ${recorded}`,
      { hint: 'Each cluster needs its own archive directory.' },
    );
  }
  return recorded;
};

const sameContent = async (incoming: IncomingFile, variant: ArchivedVariant): Promise<boolean> => {
  if (variant.compression === 'none') return filesEqual(incoming.path, variant.path);
  const { decompressBuffer } = await loadCodec();
  const raw = await withFsError('read archived file', variant.path, () => readFile(variant.path));
  const content = await decompressBuffer(raw, variant.compression, {
    name: variant.path,
    expectedSize: incoming.size,
    maxOutput: Math.max(incoming.size, 1) * 2,
  }).catch(() => undefined);
  return content !== undefined && content.equals(await incoming.content());
};

const sameAsArchived = async (
  incoming: IncomingFile,
  existing: readonly ArchivedVariant[],
  systemIdentifier: string | undefined,
): Promise<ArchiveWalResult> => {
  for (const variant of existing) {
    if (!(await sameContent(incoming, variant))) {
      throw new ValidationError(
        'archived-differs',
        `Cannot archive "${incoming.file.name}": the archive already holds "${variant.name}" with different content`,
        { hint: 'The archived file was left untouched. Two clusters may share this archive, or the file was damaged.' },
      );
    }
  }
  const first = existing[0];
  return {
    file: incoming.file.name,
    outcome: 'already-archived',
    storedAs: first?.name ?? incoming.file.name,
    bytes: incoming.size,
    storedBytes: first?.size ?? 0,
    systemIdentifier,
  };
};
