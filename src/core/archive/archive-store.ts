import type { CompressionMethod } from '../compression/compression-method.js';
import type { WalFileName } from '../wal/wal-file-kind.js';

/** One stored form of a WAL file in an archive (plain, or compressed under a suffix). */
export interface StoredVariant {
  /** The name in the archive: a directory entry, or an object key without the prefix. */
  readonly name: string;
  readonly compression: CompressionMethod;
  readonly size: number;
}

/**
 * Every name in an archive, as plain strings: an archive of 100,000 files lists 100,000
 * names, and an object per name cost archivecleanup ~40 ms of collection and ~40 ms of its
 * filter (docs/dev/performance.md). Sizes where the listing has them: a bucket's does; a
 * directory is read without a stat per entry.
 */
export interface Listing {
  readonly names: readonly string[];
  readonly sizes: ReadonlyMap<string, number> | undefined;
}

/** What a store holds under a name, read whole. */
export interface FetchedObject {
  readonly data: Buffer;
  /**
   * SHA-256 (hex) of `data` as recorded when it was stored, where the store keeps one (object
   * archives keep it in the object's metadata). A mismatch means the bytes were damaged.
   */
  readonly recordedSha256: string | undefined;
}

/** The bytes to publish: a local file copied as it is, or bytes already in memory. */
export type PublishBody =
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | { readonly kind: 'bytes'; readonly data: Buffer };

export interface PublishRequest {
  readonly name: string;
  readonly body: PublishBody;
  /** The uncompressed content when `body` is a compressed form of it (for its checksum). */
  readonly content?: Buffer;
  /** Mode of a new file in a directory archive (0600 unless said otherwise). */
  readonly mode?: number;
}

/**
 * A WAL archive, wherever it lives: the tools ask for names and bytes, and never learn
 * whether a directory or an object store answers (directory-archive.ts, s3/object-archive.ts).
 * Names are those of a directory archive; every method takes and returns plain names.
 */
export interface ArchiveStore {
  /** The location as the user gave it, resolved, for messages (never holds a secret). */
  readonly location: string;
  readonly kind: 'directory' | 'object';
  /** Undefined when the archive can be used; else why not ("no such directory", ...). */
  unusableReason(): Promise<string | undefined>;
  /** The forms of `file` present, plain first: a few lookups, never a scan of the archive. */
  variants(file: WalFileName): Promise<StoredVariant[]>;
  /** The object's bytes, or undefined when there is none; refuses more than `maxBytes`. */
  read(name: string, maxBytes: number): Promise<FetchedObject | undefined>;
  /** Publishes under `name` unless something is there already: never replaces anything. */
  createIfAbsent(request: PublishRequest): Promise<'created' | 'exists'>;
  /** SHA-256 (hex) of the uncompressed content stored under `name`, when recorded at upload. */
  recordedContentSha256(name: string): Promise<string | undefined>;
  /** The local path of `name` in a directory archive (for byte comparison without reading). */
  localPath(name: string): string | undefined;
  /** Every name in the archive (all pages of a listing), with sizes where the listing has them. */
  list(): Promise<Listing>;
  /** Removes `names`, reporting each as it goes; stops at the first failure. */
  remove(names: readonly string[], onRemoved?: (name: string) => void): Promise<void>;
  /** Leftovers of pushers that died mid-write on this host, removed; their names. */
  removeLeftovers(knownNames?: readonly string[]): Promise<string[]>;
}
