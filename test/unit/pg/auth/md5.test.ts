import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { md5PasswordMessage } from '../../../../src/core/pg/auth/md5.js';

/** MD5 by the openssl command (installed with the test prerequisites), not by Node. */
const opensslMd5 = (data: Buffer): string => {
  const result = spawnSync('openssl', ['md5', '-r'], { input: data });
  if (result.status !== 0) throw new Error(`openssl md5 failed: ${String(result.stderr)}`);
  return result.stdout.toString().split(' ')[0] as string;
};

const expected = (user: string, password: string, salt: Buffer): string => {
  const inner = opensslMd5(Buffer.from(password + user, 'utf8'));
  return `md5${opensslMd5(Buffer.concat([Buffer.from(inner), salt]))}`;
};

describe('md5PasswordMessage', () => {
  it('matches the stored form PostgreSQL documents for postgres/postgres', () => {
    // pg_authid keeps "md5" + md5(password || user): md53175bce1d3201d16594cebf9d7eb3f9d for this pair.
    expect(opensslMd5(Buffer.from('postgrespostgres'))).toBe('3175bce1d3201d16594cebf9d7eb3f9d');
  });

  const cases: [string, string, Buffer][] = [
    ['postgres', 'postgres', Buffer.from([0x01, 0x02, 0x03, 0x04])],
    ['alice', 'correct horse', Buffer.from([0xff, 0x00, 0x80, 0x7f])],
    ['émile', 'pässwörd', Buffer.from([0x00, 0x00, 0x00, 0x00])],
    ['u', '', Buffer.from('abcd')],
  ];
  for (const [user, password, salt] of cases) {
    it(`answers the salt ${salt.toString('hex')} for ${user}`, () => {
      const message = md5PasswordMessage(user, password, salt);
      expect(message).toMatch(/^md5[0-9a-f]{32}$/);
      expect(message).toBe(expected(user, password, salt));
    });
  }

  it('depends on the salt', () => {
    expect(md5PasswordMessage('u', 'p', Buffer.from('aaaa'))).not.toBe(md5PasswordMessage('u', 'p', Buffer.from('aaab')));
  });
});
