import { describe, expect, it } from 'vitest';
import { payloadHashOf } from '../../../../src/core/archive/s3/s3-client.js';

const body = Buffer.from('sixteen megabytes, say');
const hash = 'a'.repeat(64);

describe('the payload hash a request is signed with', () => {
  it('is UNSIGNED-PAYLOAD over TLS when a Content-MD5 (in any letter case) binds the body', () => {
    expect(payloadHashOf({ method: 'PUT', key: 'k', body, bodySha256: hash, headers: { 'Content-MD5': 'x' } }, true)).toBe('UNSIGNED-PAYLOAD');
    expect(payloadHashOf({ method: 'POST', key: '', body, headers: { 'content-md5': 'x' } }, true)).toBe('UNSIGNED-PAYLOAD');
  });

  it('is the body\'s own hash over plain HTTP, and over TLS without a Content-MD5', () => {
    expect(payloadHashOf({ method: 'PUT', key: 'k', body, bodySha256: hash, headers: { 'Content-MD5': 'x' } }, false)).toBe(hash);
    expect(payloadHashOf({ method: 'PUT', key: 'k', body, bodySha256: hash }, true)).toBe(hash);
  });

  it('is left to the signer to compute when the caller does not know it', () => {
    expect(payloadHashOf({ method: 'PUT', key: 'k', body, headers: { 'Content-MD5': 'x' } }, false)).toBeUndefined();
  });
});
