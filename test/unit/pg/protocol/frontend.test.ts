import { describe, expect, it } from 'vitest';
import * as fe from '../../../../src/core/pg/protocol/frontend.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('frontend messages are byte-exact', () => {
  it('StartupMessage: length, protocol 3.0, pairs, terminator', () => {
    const out = fe.startupMessage({ user: 'u', replication: 'true' });
    const body = Buffer.concat([
      Buffer.from('00030000', 'hex'),
      Buffer.from('user\0u\0replication\0true\0\0', 'latin1'),
    ]);
    expect(out.readInt32BE(0)).toBe(body.length + 4);
    expect(out.subarray(4).equals(body)).toBe(true);
  });

  it('SSLRequest', () => {
    expect(hex(fe.sslRequest())).toBe('0000000804d2162f');
  });

  it('PasswordMessage', () => {
    expect(hex(fe.passwordMessage('pw'))).toBe('70' + '00000007' + '707700');
  });

  it('SASLInitialResponse and SASLResponse', () => {
    const data = Buffer.from('n,,n=,r=abc');
    expect(hex(fe.saslInitialResponse('SCRAM-SHA-256', data))).toBe(
      '70' + (4 + 14 + 4 + 11).toString(16).padStart(8, '0') +
        Buffer.from('SCRAM-SHA-256\0').toString('hex') + '0000000b' + data.toString('hex'),
    );
    expect(hex(fe.saslResponse(Buffer.from('xyz')))).toBe('70' + '00000007' + '78797a');
  });

  it('Query with non-ASCII text counts bytes, not characters', () => {
    expect(hex(fe.query('SELECT \'é\''))).toBe('51' + '00000010' + Buffer.from("SELECT 'é'\0").toString('hex'));
  });

  it('CopyData, CopyDone, CopyFail, Terminate', () => {
    expect(hex(fe.copyData(Buffer.from([1, 2, 3])))).toBe('64' + '00000007' + '010203');
    expect(hex(fe.copyDone())).toBe('6300000004');
    expect(hex(fe.copyFail('no'))).toBe('66' + '00000007' + '6e6f00');
    expect(hex(fe.terminate())).toBe('5800000004');
  });
});
