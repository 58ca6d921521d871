import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createChecksum } from '../../../src/core/backup/checksum.js';
import { type ManifestFile, parseManifest } from '../../../src/core/backup/manifest.js';
import { formatManifest } from '../../../src/core/backup/manifest-writer.js';

const fileEntry = (path: string, content: string, algorithm: ManifestFile['algorithm'] = 'CRC32C'): ManifestFile => {
  const sum = createChecksum(algorithm);
  sum.update(Buffer.from(content));
  return { path, size: Buffer.byteLength(content), algorithm, checksum: sum.digest(), lastModified: '2026-01-01 00:00:00 GMT' };
};

// The first lines of a manifest written by a PostgreSQL 15 server (pg_basebackup -X stream).
const SERVER_MANIFEST = `{ "PostgreSQL-Backup-Manifest-Version": 1,
"Files": [
{ "Path": "backup_label", "Size": 225, "Last-Modified": "2026-11-21 14:09:31 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "ee9b8d46" },
{ "Path": "PG_VERSION", "Size": 3, "Last-Modified": "2026-11-21 14:09:27 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "8a744722" }
],
"WAL-Ranges": [
{ "Timeline": 1, "Start-LSN": "0/4000028", "End-LSN": "0/4000100" }
],
`;

const withChecksum = (body: string): Buffer => {
  return Buffer.from(`${body}"Manifest-Checksum": "${createHash('sha256').update(body).digest('hex')}"}\n`);
};

describe('checksums as manifests record them', () => {
  it('CRC-32C is the little-endian bytes of the CRC ("15\\n" from a real PG_VERSION)', () => {
    const sum = createChecksum('CRC32C');
    sum.update(Buffer.from('15\n'));
    expect(sum.digest().toString('hex')).toBe('8a744722');
  });
  it('SHA-2 digests are the usual ones', () => {
    const sum = createChecksum('SHA256');
    sum.update(Buffer.from('abc'));
    expect(sum.digest().toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(createChecksum('SHA224').digest().length).toBe(28);
    expect(createChecksum('SHA512').digest().length).toBe(64);
  });
});

describe('parseManifest', () => {
  it('reads a server-format manifest', () => {
    const manifest = parseManifest(withChecksum(SERVER_MANIFEST));
    expect(manifest.version).toBe(1);
    expect(manifest.files.map((f) => [f.path, f.size, f.algorithm, f.checksum.toString('hex')])).toEqual([
      ['backup_label', 225, 'CRC32C', 'ee9b8d46'], ['PG_VERSION', 3, 'CRC32C', '8a744722'],
    ]);
    expect(manifest.walRanges).toEqual([{ timeline: 1, startLsn: 0x4000028n, endLsn: 0x4000100n }]);
  });

  it('round-trips what formatManifest writes, version 2 with its system identifier', () => {
    const files = [fileEntry('base/1/1259', 'x'.repeat(8192)), fileEntry('odd name "q"', 'a', 'SHA384'),
      { path: 'nochecksum', size: 0, algorithm: 'NONE' as const, checksum: Buffer.alloc(0) }];
    const raw = formatManifest({ version: 2, systemIdentifier: '7441196873549187120', files,
      walRanges: [{ timeline: 2, startLsn: 0x1_0000_0028n, endLsn: 0x1_0000_1000n }] });
    const manifest = parseManifest(raw);
    expect(manifest.systemIdentifier).toBe('7441196873549187120');
    expect(manifest.files.map((f) => f.path)).toEqual(['base/1/1259', 'odd name "q"', 'nochecksum']);
    expect(manifest.files[1]?.checksum.length).toBe(48);
    expect(parseManifest(formatManifest({ files, walRanges: [], forceEncode: true })).files[1]?.path)
      .toBe('odd name "q"');
    expect(formatManifest({ files, walRanges: [], forceEncode: true }).toString()).toContain('"Encoded-Path": "6f6464');
  });

  it('detects any change to the manifest body', () => {
    const raw = withChecksum(SERVER_MANIFEST);
    const tampered = Buffer.from(raw.toString().replace('"Size": 3', '"Size": 4'));
    expect(() => parseManifest(tampered)).toThrow('manifest checksum mismatch');
  });

  it.each([
    ['not json', Buffer.from('{'), 'could not parse backup manifest: parsing failed'],
    ['no version first', withChecksum('{ "Files": [],\n"WAL-Ranges": [],\n'), 'expected version indicator'],
    ['version 3', withChecksum('{ "PostgreSQL-Backup-Manifest-Version": 3,\n"Files": [],\n"WAL-Ranges": [],\n'), 'unexpected manifest version'],
    ['missing size', withChecksum('{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": [{ "Path": "x" }],\n"WAL-Ranges": [],\n'), 'missing size'],
    ['bad LSN', withChecksum('{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": [],\n"WAL-Ranges": [{ "Timeline": 1, "Start-LSN": "zz", "End-LSN": "0/1" }],\n'), 'could not parse start LSN'],
    ['unknown algorithm', withChecksum('{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": [{ "Path": "x", "Size": 1, "Checksum-Algorithm": "MD5", "Checksum": "00" }],\n"WAL-Ranges": [],\n'), 'unrecognized checksum algorithm: "MD5"'],
    ['one line', Buffer.from('{ "PostgreSQL-Backup-Manifest-Version": 1, "Files": [], "WAL-Ranges": [], "Manifest-Checksum": "00"}'), 'expected at least 2 lines'],
  ])('refuses %s', (_name, raw, message) => {
    expect(() => parseManifest(raw)).toThrow(message);
  });
});

describe('checkManifestIntegrity (a manifest passed on unparsed, with -D -)', () => {
  it('accepts what the server computed and refuses a changed one', async () => {
    const { checkManifestIntegrity } = await import('../../../src/core/backup/manifest.js');
    const raw = formatManifest({ files: [{ path: 'PG_VERSION', size: 3, algorithm: 'NONE', checksum: Buffer.alloc(0) }], walRanges: [] });
    expect(() => checkManifestIntegrity(raw)).not.toThrow();
    const tampered = Buffer.from(raw.toString('latin1').replace('"Size": 3', '"Size": 4'), 'latin1');
    expect(() => checkManifestIntegrity(tampered)).toThrow('manifest checksum mismatch');
    expect(() => checkManifestIntegrity(Buffer.from('{ "Files": []}\n'))).toThrow();
  });
});
