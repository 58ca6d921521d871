import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signatureAlgorithmOid, tlsServerEndPoint } from '../../../../src/core/pg/connection/channel-binding.js';
import { parseServerVersion } from '../../../../src/core/pg/connection/pg-connection.js';
import { ProtocolError } from '../../../../src/core/errors.js';

const OPENSSL = '/usr/bin/openssl';
const dir = mkdtempSync(join(tmpdir(), 'ws-cb-'));

/** A self-signed certificate made by openssl, as DER, and openssl's own digest of it. */
const certificate = (name: string, keyArgs: string[], digest: string): { der: Buffer; digestOf: (alg: string) => Buffer } => {
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  const der = join(dir, `${name}.der`);
  execFileSync(OPENSSL, ['req', '-x509', ...keyArgs, '-nodes', '-keyout', key, '-out', pem, '-days', '1', '-subj', `/CN=${name}`, `-${digest}`], { stdio: 'ignore' });
  execFileSync(OPENSSL, ['x509', '-in', pem, '-outform', 'DER', '-out', der]);
  return {
    der: readFileSync(der),
    digestOf: (alg) => Buffer.from(execFileSync(OPENSSL, ['dgst', `-${alg}`, '-binary', der])),
  };
};

describe.runIf(existsSync(OPENSSL) || process.env['CI'] === 'true')('tls-server-end-point (RFC 5929)', () => {
  it.each([
    ['rsa-sha256', ['-newkey', 'rsa:2048'], 'sha256', '1.2.840.113549.1.1.11', 'sha256'],
    ['rsa-sha384', ['-newkey', 'rsa:2048'], 'sha384', '1.2.840.113549.1.1.12', 'sha384'],
    ['rsa-sha512', ['-newkey', 'rsa:2048'], 'sha512', '1.2.840.113549.1.1.13', 'sha512'],
    ['rsa-sha1', ['-newkey', 'rsa:2048'], 'sha1', '1.2.840.113549.1.1.5', 'sha256'],
    ['ec-sha384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'sha384', '1.2.840.10045.4.3.3', 'sha384'],
  ])('%s: hashes the DER with the signature\'s hash (SHA-1 → SHA-256)', (name, keyArgs, digest, oid, used) => {
    const cert = certificate(name, keyArgs, digest);
    expect(signatureAlgorithmOid(cert.der)).toBe(oid);
    expect(tlsServerEndPoint(cert.der).equals(cert.digestOf(used))).toBe(true);
  });

  it('rejects truncated DER', () => {
    const cert = certificate('trunc', ['-newkey', 'rsa:2048'], 'sha256');
    expect(() => signatureAlgorithmOid(cert.der.subarray(0, 40))).toThrow(ProtocolError);
  });
});

describe('server_version', () => {
  it.each([
    ['15.4 (Debian 15.4-1.pgdg120+1)', 150_004],
    ['18.0', 180_000],
    ['16beta1', 160_000],
    ['9.6.24', 90_624],
  ])('%s → %d', (text, expected) => {
    expect(parseServerVersion(text)).toBe(expected);
  });
  it('refuses text that is not a version', () => {
    expect(() => parseServerVersion('')).toThrow(ProtocolError);
  });
});
