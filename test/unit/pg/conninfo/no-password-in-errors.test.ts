import { describe, expect, it } from 'vitest';

import { WarmstandbyError } from '../../../../src/core/errors.js';
import type { ConnectionProbe } from '../../../../src/core/pg/conninfo/environment-probe.js';
import { parseConnString } from '../../../../src/core/pg/conninfo/parse.js';
import { resolveConnection } from '../../../../src/core/pg/conninfo/resolve.js';

const probe: ConnectionProbe = {
  socketExists: () => false, fileExists: () => false, osUserName: () => 'alice', passwdHome: () => '/h',
};

// Passwords full of the characters that the parsers treat specially.
const SECRETS = ["Zq9 'x\\y:@/?&=,%", 'Zq9 s=t', 'Zq9%zz', 'Zq9[::1', "Zq9'"];

/** Text pieces of a secret long enough to identify it: its letters-and-digits runs. */
const fragments = (secret: string): string[] => secret.split(/[^A-Za-z0-9]+/).filter((f) => f.length >= 2);

const failures = (secret: string): { input: string; error: WarmstandbyError }[] => {
  const enc = encodeURIComponent(secret);
  const raw = secret;
  const attempts: [string, () => unknown][] = [
    // Unquoted passwords with spaces leave pieces of the password where keywords are expected.
    ['kv unquoted', () => parseConnString(`host=h password=${raw} port=1`)],
    ['kv unquoted at end', () => parseConnString(`password=${raw}`)],
    ['kv unterminated', () => parseConnString(`password='${raw}`)],
    ['kv then bad sslmode', () => resolveConnection({ env: {}, probe,
      connString: `password='${raw.replaceAll("'", "\\'")}' sslmode=foo` })],
    ['sslpassword then bad keyword', () => parseConnString(`sslpassword=${raw} x=1`)],
    ['uri raw password', () => parseConnString(`postgresql://u:${raw}@h/db`)],
    ['uri percent password then bad query', () => parseConnString(`postgresql://u:${enc}@h/db?nope=1`)],
    ['uri bad percent in password', () => parseConnString(`postgresql://u:${raw}%zz@h/db`)],
    ['uri %00 in password', () => parseConnString(`postgresql://u:${enc}%00@h/db`)],
    ['uri query password', () => parseConnString(`postgresql://h/db?password=${raw}`)],
    ['uri query password then junk', () => parseConnString(`postgresql://h/db?password=${enc}&${raw}`)],
    ['uri bad IPv6 after password', () => parseConnString(`postgresql://u:${enc}@[::1`)],
    ['uri bad char after IPv6', () => parseConnString(`postgresql://u:${enc}@[::1]x`)],
    ['env password, bad port', () => resolveConnection({ env: { PGPASSWORD: raw, PGPORT: 'x' }, probe })],
    ['override password, bad keyword', () => resolveConnection({ env: {}, probe,
      overrides: { password: raw, nonsense: '1' } })],
    ['sslpassword override, bad timeout', () => resolveConnection({ env: {}, probe,
      overrides: { sslpassword: raw, connect_timeout: 'x' } })],
  ];
  const out: { input: string; error: WarmstandbyError }[] = [];
  for (const [name, attempt] of attempts) {
    try {
      attempt();
    } catch (error) {
      expect(error, name).toBeInstanceOf(WarmstandbyError);
      out.push({ input: name, error: error as WarmstandbyError });
    }
  }
  return out;
};

describe('connection parameter errors never contain a password', () => {
  for (const secret of SECRETS) {
    it(`for ${JSON.stringify(secret)}`, () => {
      const errors = failures(secret);
      // Most attempts must fail, or this test proves nothing.
      expect(errors.length).toBeGreaterThanOrEqual(10);
      for (const { input, error } of errors) {
        const text = `${error.message}\n${error.hint ?? ''}\n${String(error.stack)}`;
        for (const fragment of fragments(secret)) {
          expect(text, `${input}: ${error.message}`).not.toContain(fragment);
        }
      }
    });
  }
});
