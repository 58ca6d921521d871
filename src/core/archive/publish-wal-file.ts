import { createHash } from 'node:crypto';
import type { CompressionSpec } from '../compression/compression-spec.js';
import { suffixOfCompression } from '../compression/compression-method.js';
import { ValidationError } from '../errors.js';
import { filesEqual } from '../fs/files-equal.js';
import { MAX_SEGMENT_SIZE } from '../wal/segment-size.js';
import type { WalFileName } from '../wal/wal-file-kind.js';
import type { ArchiveStore, StoredVariant } from './archive-store.js';
import { type IncomingFile, readIncoming } from './incoming-file.js';
import { readArchiveSystemId, recordArchiveSystemId } from './system-id.js';

export interface PublishOptions {
  /** Segments are stored compressed with this method (history and backup files stay plain). */
  readonly compression: Pick<CompressionSpec, 'method' | 'level'>;
}

/**
 * The system identifier a long-lived publisher (the async pusher, receivewal --archive) saw
 * its archive hold, so that each file does not read the record again: the record is written
 * once and never replaced. A one-shot push passes none and reads it every time.
 */
export interface SystemIdMemo {
  recorded?: string;
}

export interface PublishResult {
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
const loadCodec = () => import('../compression/codec.js');

/**
 * archive_command's job, for archivewal and for receivewal --archive: validate the file,
 * then publish it under its name in the archive without ever replacing anything. A name
 * already archived with the same content (in any of its compressed forms) is success; with
 * other content it is an error, and nothing changes. Segments carry their system
 * identifier: the first one archived records it, any other system's segment is refused.
 */
export const publishWalFile = async (
  store: ArchiveStore,
  sourcePath: string,
  file: WalFileName,
  options: PublishOptions,
  memo?: SystemIdMemo,
): Promise<PublishResult> => {
  const unusable = await store.unusableReason();
  if (unusable !== undefined) {
    throw new ValidationError('archive-not-directory', `Cannot archive into "${store.location}": ${unusable}`);
  }
  const incoming = await readIncoming(sourcePath, file, store);
  const systemIdentifier = await checkSystem(store, incoming, memo);

  const existing = await store.variants(file);
  if (existing.length > 0) return sameAsArchived(store, incoming, existing, systemIdentifier);

  const method = file.kind === 'segment' || file.kind === 'partial' ? options.compression.method : 'none';
  const storedAs = `${file.plainName}${suffixOfCompression(method)}`;
  let storedBytes = incoming.size;
  let outcome: 'created' | 'exists';
  if (method === 'none') {
    outcome = await store.createIfAbsent({ name: storedAs, body: { kind: 'file', path: sourcePath, size: incoming.size } });
  } else {
    const { compressBuffer } = await loadCodec();
    const content = await incoming.content();
    const stored = await compressBuffer(content, { method, level: options.compression.level });
    storedBytes = stored.length;
    outcome = await store.createIfAbsent({ name: storedAs, body: { kind: 'bytes', data: stored }, content });
  }
  if (outcome === 'exists') {
    // Another pusher published this name between our look and our create.
    return sameAsArchived(store, incoming, await store.variants(file), systemIdentifier);
  }
  return { file: file.name, outcome: 'archived', storedAs, bytes: incoming.size, storedBytes, systemIdentifier };
};

/** History and backup history files carry no system identifier: the archive's record stands. */
const checkSystem = async (store: ArchiveStore, incoming: IncomingFile, memo?: SystemIdMemo): Promise<string | undefined> => {
  const own = incoming.identity?.header.systemIdentifier;
  if (memo?.recorded !== undefined && (own === undefined || own === memo.recorded)) return memo.recorded;
  if (own === undefined) return readArchiveSystemId(store);
  const recorded = await recordArchiveSystemId(store, own);
  if (memo !== undefined) memo.recorded = recorded;
  if (recorded !== own) {
    throw new ValidationError(
      'wal-foreign-system',
      `Cannot archive "${incoming.file.name}": it belongs to database system ${own}, the archive "${store.location}" to ${recorded}`,
      { hint: 'Each cluster needs its own archive.' },
    );
  }
  return recorded;
};

/**
 * Whether `variant` holds the incoming bytes: by the checksum recorded with it when the store
 * keeps one (no download), else by comparing the bytes (a plain file in a directory without
 * reading it into memory).
 */
const sameContent = async (store: ArchiveStore, incoming: IncomingFile, variant: StoredVariant): Promise<boolean> => {
  const recorded = await store.recordedContentSha256(variant.name);
  if (recorded !== undefined) return recorded === createHash('sha256').update(await incoming.content()).digest('hex');
  const local = store.localPath(variant.name);
  if (local !== undefined && variant.compression === 'none') return filesEqual(incoming.path, local);
  const fetched = await store.read(variant.name, MAX_SEGMENT_SIZE);
  if (fetched === undefined) return false;
  if (variant.compression === 'none') return fetched.data.equals(await incoming.content());
  const { decompressBuffer } = await loadCodec();
  const content = await decompressBuffer(fetched.data, variant.compression, {
    name: `${store.location}/${variant.name}`,
    expectedSize: incoming.size,
    maxOutput: Math.max(incoming.size, 1) * 2,
  }).catch(() => undefined);
  return content !== undefined && content.equals(await incoming.content());
};

const sameAsArchived = async (
  store: ArchiveStore,
  incoming: IncomingFile,
  existing: readonly StoredVariant[],
  systemIdentifier: string | undefined,
): Promise<PublishResult> => {
  for (const variant of existing) {
    if (!(await sameContent(store, incoming, variant))) {
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
