import { describe, expect, it } from 'vitest';
import {
  deleteRequestBody, escapeXml, parseDeleteFailures, parseErrorBody, parseListPage, unescapeXml,
} from '../../../../src/core/archive/s3/s3-xml.js';

describe('S3 XML documents', () => {
  it('reads a ListObjectsV2 page with its continuation token', () => {
    const page = parseListPage(
      '<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>a&amp;b</NextContinuationToken>' +
        '<Contents><Key>p/000000010000000000000001</Key><Size>16777216</Size></Contents>' +
        '<Contents><Key>p/x&lt;y</Key><Size>3</Size></Contents>' +
        '<CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes></ListBucketResult>',
    );
    expect(page).toEqual({
      objects: [{ key: 'p/000000010000000000000001', size: 16777216 }, { key: 'p/x<y', size: 3 }],
      commonPrefixes: ['p/sub/'],
      nextToken: 'a&b',
    });
    expect(parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>').nextToken).toBeUndefined();
  });

  it('reads error bodies and DeleteObjects failures', () => {
    expect(parseErrorBody('<Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>')).toEqual({ code: 'NoSuchBucket', message: 'gone' });
    expect(parseDeleteFailures('<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>'))
      .toEqual([{ key: 'k', code: 'AccessDenied', message: 'no' }]);
    expect(parseDeleteFailures('<DeleteResult></DeleteResult>')).toEqual([]);
  });

  it('escapes keys in a DeleteObjects request', () => {
    expect(deleteRequestBody(['a&b', 'c'])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object></Delete>',
    );
    expect(unescapeXml(escapeXml(`<&>"'`))).toBe(`<&>"'`);
    expect(unescapeXml('&#65;&#x42;')).toBe('AB');
  });
});
