import { createHash } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';

/** The checksum algorithms a backup manifest names, spelled as PostgreSQL spells them. */
export const ManifestChecksumAlgorithm = {
  none: 'NONE',
  crc32c: 'CRC32C',
  sha224: 'SHA224',
  sha256: 'SHA256',
  sha384: 'SHA384',
  sha512: 'SHA512',
} as const;
export type ManifestChecksumAlgorithm =
  (typeof ManifestChecksumAlgorithm)[keyof typeof ManifestChecksumAlgorithm];

/** Case-insensitive, like pg_checksum_parse_type(). */
export const parseChecksumAlgorithm = (name: string): ManifestChecksumAlgorithm | undefined =>
  Object.values(ManifestChecksumAlgorithm).find((a) => a === name.toUpperCase());

export interface RunningChecksum {
  update(data: Uint8Array): void;
  /** The raw checksum bytes as the manifest hex-encodes them. */
  digest(): Buffer;
}

/**
 * CRC-32C is reported as its 4 bytes in little-endian order (PostgreSQL copies the uint32
 * from memory); the SHA-2 family as the usual digest. NONE yields an empty checksum.
 */
export const createChecksum = (algorithm: ManifestChecksumAlgorithm): RunningChecksum => {
  if (algorithm === ManifestChecksumAlgorithm.crc32c) {
    let state = 0;
    return {
      update(data) {
        state = crc32c(data, state);
      },
      digest() {
        const out = Buffer.alloc(4);
        out.writeUInt32LE(state >>> 0);
        return out;
      },
    };
  }
  if (algorithm === ManifestChecksumAlgorithm.none) {
    return { update: () => undefined, digest: () => Buffer.alloc(0) };
  }
  const hash = createHash(algorithm.toLowerCase());
  return {
    update(data) {
      hash.update(data);
    },
    digest: () => hash.digest(),
  };
};
