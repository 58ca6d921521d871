import { describe, expect, it } from 'vitest';
import { parseCompressOption, parseCompressionSpec } from '../../../src/core/backup/compression-spec.js';

describe('-Z option', () => {
  it.each([
    ['5', { algorithm: 'gzip', detail: '5', location: 'unspecified' }],
    ['none', { algorithm: 'none', location: 'unspecified' }],
    ['server-lz4', { algorithm: 'lz4', location: 'server' }],
    ['client-zstd:level=3,workers=2', { algorithm: 'zstd', detail: 'level=3,workers=2', location: 'client' }],
    ['gzip:', { algorithm: 'gzip', detail: '', location: 'unspecified' }],
    ['turkey:sandwich', { algorithm: 'turkey', detail: 'sandwich', location: 'unspecified' }],
  ])('%s', (option, parsed) => {
    expect(parseCompressOption(option)).toEqual(parsed);
  });
});

describe('compression specification (messages as printed by pg_basebackup 15)', () => {
  it('accepts levels, level=, workers= for zstd, and each default', () => {
    expect(parseCompressionSpec('gzip', undefined)).toEqual({ algorithm: 'gzip', level: -1 });
    expect(parseCompressionSpec('gzip', '9')).toEqual({ algorithm: 'gzip', level: 9 });
    expect(parseCompressionSpec('lz4', 'level=12')).toEqual({ algorithm: 'lz4', level: 12 });
    expect(parseCompressionSpec('zstd', 'level=-5,workers=4')).toEqual({ algorithm: 'zstd', level: -5, workers: 4 });
    expect(parseCompressionSpec('none', undefined)).toEqual({ algorithm: 'none', level: 0 });
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
  ] as const)('%s:%s', (algorithm, detail, error) => {
    expect(parseCompressionSpec(algorithm, detail)).toEqual({ error });
  });
});
