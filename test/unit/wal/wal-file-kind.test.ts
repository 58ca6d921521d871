import { describe, expect, it } from 'vitest';
import {
  classifyWalFileName, compressionOfSuffix, suffixOfCompression,
} from '../../../src/core/wal/wal-file-kind.js';

const seg = '00000002000000A3000000FF';

describe('classifyWalFileName', () => {
  it.each([
    [seg, 'segment', 'none', seg],
    [`${seg}.gz`, 'segment', 'gzip', seg],
    [`${seg}.lz4`, 'segment', 'lz4', seg],
    [`${seg}.zst`, 'segment', 'zstd', seg],
    [`${seg}.partial`, 'partial', 'none', `${seg}.partial`],
    [`${seg}.gz.partial`, 'partial', 'gzip', `${seg}.partial`],
    [`${seg}.lz4.partial`, 'partial', 'lz4', `${seg}.partial`],
    [`${seg}.partial.zst`, 'partial', 'zstd', `${seg}.partial`],
    [`${seg}.00000028.backup`, 'backup', 'none', `${seg}.00000028.backup`],
    ['0000000A.history', 'history', 'none', '0000000A.history'],
  ])('%s is a %s (%s)', (name, kind, compression, plainName) => {
    const info = classifyWalFileName(name);
    expect(info).toMatchObject({ name, kind, compression, plainName });
  });

  it('reports timeline, segment name and backup offset', () => {
    expect(classifyWalFileName(`${seg}.0000A028.backup`)).toMatchObject({
      timeline: 2, segmentName: seg, backupOffset: 0xa028,
    });
    expect(classifyWalFileName('0000000A.history')).toMatchObject({ timeline: 10, segmentName: '0000000A' });
    expect(classifyWalFileName(`${seg}.gz`)).toMatchObject({ timeline: 2, segmentName: seg });
  });

  it.each([
    '', '.', '..', 'x', seg.toLowerCase(), `${seg}0`, seg.slice(1), `${seg}.bz2`, `${seg}.gz.gz`,
    `${seg}.gz.partial.gz`, `${seg}.partial.partial`, `${seg}.backup`, `${seg}.0028.backup`,
    `${seg}.00000028.backup.gz`, '0000000a.history', '00000001.history.gz', '1.history',
    `${seg}.tmp`, `.${seg}.123.abcdefabcdef.tmp`, `../${seg}`, `${seg}/`, 'archive_status',
  ])('%j is not a WAL file name', (name) => {
    expect(classifyWalFileName(name)).toBeUndefined();
  });
});

describe('compression suffixes', () => {
  it('maps both ways', () => {
    expect(compressionOfSuffix('.gz')).toBe('gzip');
    expect(compressionOfSuffix('zst')).toBe('zstd');
    expect(compressionOfSuffix('.bz2')).toBeUndefined();
    expect(suffixOfCompression('lz4')).toBe('.lz4');
    expect(suffixOfCompression('none')).toBe('');
  });
});
