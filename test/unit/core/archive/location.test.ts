import { describe, expect, it } from 'vitest';
import { parseArchiveLocation, redactUrl } from '../../../../src/core/archive/location.js';

describe('parseArchiveLocation', () => {
  it('keeps directories as paths resolved against the working directory', () => {
    expect(parseArchiveLocation('archive', '/data')).toEqual({ kind: 'directory', path: '/data/archive' });
    expect(parseArchiveLocation('/mnt/a', '/data')).toEqual({ kind: 'directory', path: '/mnt/a' });
  });

  it('reads bucket, prefix and the allowed settings of an s3:// URL', () => {
    expect(parseArchiveLocation('s3://wal-bucket', '/')).toEqual({ kind: 's3', bucket: 'wal-bucket', prefix: '', query: {} });
    expect(parseArchiveLocation('s3://wal-bucket/a/b/', '/')).toEqual({ kind: 's3', bucket: 'wal-bucket', prefix: 'a/b', query: {} });
    expect(parseArchiveLocation('s3://wal.bucket/p?endpoint=https://s3.local:9000&region=eu-west-1&path-style=true', '/')).toEqual({
      kind: 's3',
      bucket: 'wal.bucket',
      prefix: 'p',
      query: { endpoint: 'https://s3.local:9000', region: 'eu-west-1', 'path-style': 'true' },
    });
  });

  it.each([
    ['s3://AKIA:TOPSECRETVALUE@bucket/p', /credentials do not belong in a URL/],
    ['s3://bucket/p?secret_access_key=TOPSECRETVALUE', /"secret_access_key" looks like a credential/],
    ['s3://bucket/p?access-key=TOPSECRETVALUE', /looks like a credential/],
    ['s3://bucket/p?token=TOPSECRETVALUE', /looks like a credential/],
    ['s3://bucket/p?colour=blue', /unknown setting "colour"/],
    ['s3://Bucket_Name/p', /not a valid bucket name/],
    ['s3://ab', /not a valid bucket name/],
    ['s3://bucket/../etc', /no "\." or "\.\." parts/],
    ['s3://bucket/a b', /the prefix may hold only/],
  ])('refuses %s', (text, message) => {
    let thrown: unknown;
    try {
      parseArchiveLocation(text, '/');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as { exitStatus: number }).exitStatus).toBe(2);
    expect((thrown as Error).message).not.toContain('TOPSECRETVALUE');
  });

  it('redacts a user part and the query from URLs it prints', () => {
    expect(redactUrl('s3://key:secret@bucket/p?endpoint=x')).toBe('s3://…@bucket/p');
  });
});
