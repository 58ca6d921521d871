import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { isLsnText, parseLsn } from '../wal/lsn.js';
import { type ManifestChecksumAlgorithm, parseChecksumAlgorithm } from './checksum.js';

export interface ManifestFile {
  readonly path: string;
  readonly size: number;
  readonly lastModified?: string;
  readonly algorithm: ManifestChecksumAlgorithm;
  /** Raw checksum bytes (empty for NONE). */
  readonly checksum: Buffer;
}

export interface ManifestWalRange {
  readonly timeline: number;
  readonly startLsn: bigint;
  readonly endLsn: bigint;
}

export interface BackupManifest {
  readonly version: 1 | 2;
  readonly systemIdentifier?: string;
  readonly files: readonly ManifestFile[];
  readonly walRanges: readonly ManifestWalRange[];
  readonly manifestChecksum: string;
}

const fail = (reason: string): never => {
  throw new ValidationError('manifest-parse', `could not parse backup manifest: ${reason}`);
};

const parseLsnText = (text: unknown, what: string): bigint =>
  typeof text === 'string' && isLsnText(text) ? parseLsn(text) : fail(`could not parse ${what}`);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const hexBytes = (text: string): Buffer | undefined =>
  text.length % 2 === 0 && /^[0-9A-Fa-f]*$/.test(text) ? Buffer.from(text, 'hex') : undefined;

/**
 * Checks the last line's SHA-256 over everything up to and including the second-to-last
 * newline, as pg_verifybackup does, before trusting anything else in the file.
 */
export const verifyManifestChecksum = (raw: Buffer, expectedHex: string): void => {
  let last = -1;
  let penultimate = -1;
  let newlines = 0;
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) {
    newlines += 1;
    penultimate = last;
    last = i;
  }
  if (newlines < 2) fail('expected at least 2 lines');
  if (last !== raw.length - 1) fail('last line not newline-terminated');
  const expected = hexBytes(expectedHex);
  if (expected === undefined || expected.length !== 32) {
    throw new ValidationError('manifest-checksum', `invalid manifest checksum: "${expectedHex}"`);
  }
  const actual = createHash('sha256').update(raw.subarray(0, penultimate + 1)).digest();
  if (!actual.equals(expected)) {
    throw new ValidationError('manifest-checksum', 'manifest checksum mismatch');
  }
};

const parseFile = (entry: unknown): ManifestFile => {
  if (!isObject(entry)) return fail('unexpected scalar');
  const { Path: plain, 'Encoded-Path': encoded, Size: size } = entry;
  const algorithmName = entry['Checksum-Algorithm'];
  const checksumText = entry['Checksum'];
  if (plain === undefined && encoded === undefined) fail('missing path name');
  if (plain !== undefined && encoded !== undefined) fail('both path name and encoded path name');
  if (size === undefined) fail('missing size');
  if (algorithmName === undefined && checksumText !== undefined) fail('checksum without algorithm');
  let path: string;
  if (typeof encoded === 'string') {
    const bytes = hexBytes(encoded);
    if (bytes === undefined) return fail('could not decode file name');
    path = bytes.toString('utf8');
  } else if (typeof plain === 'string') {
    path = plain;
  } else {
    return fail('unexpected scalar');
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    return fail('file size is not an integer');
  }
  let algorithm: ManifestChecksumAlgorithm = 'NONE';
  if (algorithmName !== undefined) {
    const parsed = typeof algorithmName === 'string' ? parseChecksumAlgorithm(algorithmName) : undefined;
    if (parsed === undefined) {
      throw new ValidationError(
        'manifest-parse',
        `unrecognized checksum algorithm: "${String(algorithmName)}"`,
      );
    }
    algorithm = parsed;
  }
  const checksum = typeof checksumText === 'string' ? hexBytes(checksumText) : Buffer.alloc(0);
  if (checksum === undefined) {
    throw new ValidationError(
      'manifest-parse',
      `invalid checksum for file "${path}": "${String(checksumText)}"`,
    );
  }
  const lastModified = entry['Last-Modified'];
  return {
    path,
    size,
    algorithm,
    checksum,
    ...(typeof lastModified === 'string' ? { lastModified } : {}),
  };
};

const parseWalRange = (entry: unknown): ManifestWalRange => {
  if (!isObject(entry)) return fail('unexpected scalar');
  const { Timeline: timeline } = entry;
  if (timeline === undefined) fail('missing timeline');
  if (entry['Start-LSN'] === undefined) fail('missing start LSN');
  if (entry['End-LSN'] === undefined) fail('missing end LSN');
  if (typeof timeline !== 'number' || !Number.isInteger(timeline) || timeline < 1) {
    return fail('timeline is not an integer');
  }
  return {
    timeline,
    startLsn: parseLsnText(entry['Start-LSN'], 'start LSN'),
    endLsn: parseLsnText(entry['End-LSN'], 'end LSN'),
  };
};

/** Parses backup_manifest (versions 1 and 2) and verifies its own checksum. */
export const parseManifest = (raw: Buffer): BackupManifest => {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    return fail('parsing failed');
  }
  if (!isObject(doc)) return fail('unexpected scalar');
  const keys = Object.keys(doc);
  if (keys[0] !== 'PostgreSQL-Backup-Manifest-Version') {
    fail('expected version indicator');
  }
  const version = doc['PostgreSQL-Backup-Manifest-Version'];
  if (version !== 1 && version !== 2) return fail('unexpected manifest version');
  const known = new Set(['PostgreSQL-Backup-Manifest-Version', 'System-Identifier', 'Files',
    'WAL-Ranges', 'Manifest-Checksum']);
  const unknown = keys.find((k) => !known.has(k));
  if (unknown !== undefined) fail('unrecognized top-level field');
  // A uint64 loses precision as a JSON number: take its digits from the text instead.
  const systemIdentifier = doc['System-Identifier'] === undefined ? undefined
    : /"System-Identifier"\s*:\s*(\d+)/.exec(raw.toString('latin1'))?.[1];
  if ((version === 2 || doc['System-Identifier'] !== undefined) && systemIdentifier === undefined) {
    fail('system identifier in manifest not an integer');
  }
  const files = doc['Files'];
  const ranges = doc['WAL-Ranges'];
  const checksum = doc['Manifest-Checksum'];
  if (!Array.isArray(files)) return fail('expected file list');
  if (!Array.isArray(ranges)) return fail('expected WAL range list');
  if (typeof checksum !== 'string') return fail('manifest has no checksum');
  verifyManifestChecksum(raw, checksum);
  return {
    version,
    ...(systemIdentifier === undefined ? {} : { systemIdentifier }),
    files: files.map(parseFile),
    walRanges: ranges.map(parseWalRange),
    manifestChecksum: checksum,
  };
};

/**
 * A manifest's own checksum, from its last line ("Manifest-Checksum": "<hex>"), checked
 * without parsing the rest: for a manifest held only to be passed on (injected into a tar
 * on standard output), which must still be what the server computed.
 */
export const checkManifestIntegrity = (raw: Buffer): void => {
  const end = raw.length - 1;
  const lastLineStart = raw.lastIndexOf(0x0a, end - 1) + 1;
  const lastLine = raw.subarray(lastLineStart, end + 1).toString('latin1');
  const expected = /^"Manifest-Checksum": "([0-9A-Fa-f]*)"\}\n$/.exec(lastLine)?.[1];
  if (expected === undefined) fail('no Manifest-Checksum on the last line');
  verifyManifestChecksum(raw, expected as string);
};
