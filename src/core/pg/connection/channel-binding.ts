import { createHash } from 'node:crypto';
import { ProtocolError } from '../../errors.js';
import { AuthenticationError, AuthenticationErrorCode } from '../auth/authentication-error.js';

/** Signature algorithm OIDs → the hash they use (RFC 5929 names it by the signature). */
const SIGNATURE_HASHES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10040.4.3': 'sha1', // dsa-with-sha1
  '2.16.840.1.101.3.4.3.2': 'sha256', // dsa-with-sha256
};

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** One DER tag-length-value at `offset`, bounds-checked. */
const readTlv = (der: Buffer, offset: number): Tlv => {
  const bad = (): ProtocolError => new ProtocolError('Cannot read the server certificate: malformed DER');
  if (offset + 2 > der.length) throw bad();
  const tag = der[offset] as number;
  let length = der[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > der.length) throw bad();
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[start + i] as number);
    start += octets;
  }
  if (start + length > der.length) throw bad();
  return { tag, start, end: start + length };
};

const decodeOid = (bytes: Buffer): string => {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
};

/** The OID of Certificate.signatureAlgorithm (after tbsCertificate). */
export const signatureAlgorithmOid = (der: Buffer): string => {
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.start);
  const algorithm = readTlv(der, tbs.end);
  const oid = readTlv(der, algorithm.start);
  if (certificate.tag !== 0x30 || tbs.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06) {
    throw new ProtocolError('Cannot read the server certificate: unexpected DER structure');
  }
  return decodeOid(der.subarray(oid.start, oid.end));
};

/**
 * tls-server-end-point channel binding data (RFC 5929 §4.1): the certificate hashed with its
 * own signature's hash, except that MD5 and SHA-1 are replaced by SHA-256.
 */
export const tlsServerEndPoint = (certificateDer: Buffer): Buffer => {
  const oid = signatureAlgorithmOid(certificateDer);
  const hash = SIGNATURE_HASHES[oid];
  if (hash === undefined) {
    throw new AuthenticationError(
      AuthenticationErrorCode.channelBinding,
      `Cannot bind to the TLS channel: unsupported certificate signature algorithm ${oid}`,
    );
  }
  const algorithm = hash === 'md5' || hash === 'sha1' ? 'sha256' : hash;
  return createHash(algorithm).update(certificateDer).digest();
};
