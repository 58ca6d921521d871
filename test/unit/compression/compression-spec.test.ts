import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import {
  compressionOfFileName, compressionOfSuffix, suffixOfCompression,
} from '../../../src/core/compression/compression-method.js';
import {
  formatCompressionSpec, parseCompressionDetail, parseCompressionSpec, parseCompressOption,
} from '../../../src/core/compression/compression-spec.js';

describe('parseCompressionSpec (pg_receivewal -Z)', () => {
  it.each([
    ['none', 'none', 0, false],
    ['0', 'none', 0, false],
    ['', 'none', 0, false],
    ['5', 'gzip', 5, true],
    ['-1', 'gzip', -1, true],
    ['gzip', 'gzip', -1, false],
    ['gzip:9', 'gzip', 9, true],
    ['gzip:level=1', 'gzip', 1, true],
    ['lz4', 'lz4', 0, false],
    ['lz4:12', 'lz4', 12, true],
    ['zstd', 'zstd', 3, false],
    ['zstd:19', 'zstd', 19, true],
    ['zstd:-5', 'zstd', -5, true],
    ['zstd:level=7,workers=2', 'zstd', 7, true],
    ['none:0', 'none', 0, true],
  ])('%j → %s level %i', (text, method, level, levelGiven) => {
    const { workers: _workers, ...spec } = parseCompressionSpec(text);
    expect(spec).toEqual({ method, level, levelGiven });
  });

  it('keeps zstd\'s worker count (a server is sent it)', () => {
    expect(parseCompressionSpec('zstd:level=7,workers=2')).toEqual({ method: 'zstd', level: 7, levelGiven: true, workers: 2 });
  });

  it.each([
    ['bzip2', 'unrecognized compression algorithm: "bzip2"'],
    ['GZIP', 'unrecognized compression algorithm: "GZIP"'],
    [':5', 'unrecognized compression algorithm: ""'],
    ['10', 'invalid compression specification: compression algorithm "gzip" expects a compression level between 1 and 9 (default at -1)'],
    ['gzip:0', 'invalid compression specification: compression algorithm "gzip" expects a compression level between 1 and 9 (default at -1)'],
    ['lz4:13', 'invalid compression specification: compression algorithm "lz4" expects a compression level between 1 and 12 (default at 0)'],
    ['zstd:23', 'invalid compression specification: compression algorithm "zstd" expects a compression level between -131072 and 22 (default at 3)'],
    ['none:1', 'invalid compression specification: compression algorithm "none" does not accept a compression level'],
    ['gzip:', 'invalid compression specification: found empty string where a compression option was expected'],
    ['gzip:level=1,', 'invalid compression specification: found empty string where a compression option was expected'],
    ['gzip:fast', 'invalid compression specification: unrecognized compression option: "fast"'],
    ['gzip:level', 'invalid compression specification: compression option "level" requires a value'],
    ['gzip:level=x', 'invalid compression specification: value for compression option "level" must be an integer'],
    ['gzip:level=', 'invalid compression specification: value for compression option "level" must be an integer'],
    ['gzip:workers=2', 'invalid compression specification: compression algorithm "gzip" does not accept a worker count'],
  ])('%j fails with PostgreSQL\'s message', (text, message) => {
    expect(() => parseCompressionSpec(text)).toThrow(UsageError);
    expect(() => parseCompressionSpec(text)).toThrow(message);
  });

  it('formats specs back', () => {
    expect(formatCompressionSpec(parseCompressionSpec('zstd'))).toBe('zstd');
    expect(formatCompressionSpec(parseCompressionSpec('7'))).toBe('gzip:7');
    expect(formatCompressionSpec(parseCompressionSpec('0'))).toBe('none');
  });
});

describe('parseCompressOption (pg_basebackup -Z)', () => {
  it.each([
    ['5', { algorithm: 'gzip', detail: '5', location: 'unspecified' }],
    ['', { algorithm: 'gzip', detail: '', location: 'unspecified' }],
    ['none', { algorithm: 'none', location: 'unspecified' }],
    ['server-lz4', { algorithm: 'lz4', location: 'server' }],
    ['client-zstd:level=3,workers=2', { algorithm: 'zstd', detail: 'level=3,workers=2', location: 'client' }],
    ['gzip:', { algorithm: 'gzip', detail: '', location: 'unspecified' }],
    ['turkey:sandwich', { algorithm: 'turkey', detail: 'sandwich', location: 'unspecified' }],
  ])('%j', (option, parsed) => {
    expect(parseCompressOption(option)).toEqual(parsed);
  });
});

describe('parseCompressionDetail (messages as printed by pg_basebackup 15)', () => {
  it('accepts levels, level=, workers= for zstd, and each default', () => {
    expect(parseCompressionDetail('gzip', undefined)).toEqual({ method: 'gzip', level: -1, levelGiven: false });
    expect(parseCompressionDetail('gzip', '9')).toEqual({ method: 'gzip', level: 9, levelGiven: true });
    expect(parseCompressionDetail('lz4', 'level=12')).toEqual({ method: 'lz4', level: 12, levelGiven: true });
    expect(parseCompressionDetail('zstd', 'level=-5,workers=4')).toEqual({ method: 'zstd', level: -5, levelGiven: true, workers: 4 });
    expect(parseCompressionDetail('none', undefined)).toEqual({ method: 'none', level: 0, levelGiven: false });
  });
  it.each([
    ['gzip', '0', 'compression algorithm "gzip" expects a compression level between 1 and 9 (default at -1)'],
    ['zstd', 'level=30', 'compression algorithm "zstd" expects a compression level between -131072 and 22 (default at 3)'],
    ['gzip', 'workers=2', 'compression algorithm "gzip" does not accept a worker count'],
    ['lz4', 'foo', 'unrecognized compression option: "foo"'],
    ['gzip', 'level', 'compression option "level" requires a value'],
    ['gzip', 'level=x', 'value for compression option "level" must be an integer'],
    ['gzip', '', 'found empty string where a compression option was expected'],
    ['none', '3', 'compression algorithm "none" does not accept a compression level'],
  ] as const)('%s:%s', (method, detail, reason) => {
    expect(() => parseCompressionDetail(method, detail)).toThrow(UsageError);
    expect(() => parseCompressionDetail(method, detail)).toThrow(`invalid compression specification: ${reason}`);
  });
});

describe('suffixes', () => {
  it('maps methods and suffixes both ways', () => {
    for (const method of ['gzip', 'lz4', 'zstd'] as const) {
      expect(compressionOfSuffix(suffixOfCompression(method))).toBe(method);
    }
    expect(compressionOfFileName('000000010000000000000001.partial.zst')).toBe('zstd');
    expect(compressionOfFileName('000000010000000000000001.gz')).toBe('gzip');
    expect(compressionOfFileName('000000010000000000000001.partial')).toBe('none');
    expect(compressionOfFileName('archive.tar')).toBe('none');
  });
});
