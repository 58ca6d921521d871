import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { parseConnString } from '../../../../src/core/pg/conninfo/parse.js';

/**
 * Differential test: every string below goes through the real libpq (PQconninfoParse, via
 * Python's ctypes) and through parseConnString; the keyword maps must be equal, and both
 * must reject the same strings. libpq comes with Debian's postgresql-client-15, which the
 * test setup installs.
 */
const ORACLE = fileURLToPath(new URL('./libpq-parse-oracle.py', import.meta.url));

const CORPUS = [
  '', 'host=localhost port=5432 dbname=mydb connect_timeout=10',
  "  host = 'a b'   port=\t5433 ", String.raw`password='x\'y\\z' user=''`, String.raw`dbname=a\ b\\c`,
  'host=', 'host= port=1', 'port=1 port=2', 'requiressl=1', 'requiressl=0 sslmode=verify-full',
  'host=localhost x=1', 'host=localhost mydb', "dbname='abc", 'x=', '=x', 'host=a\\',
  "options='-c search_path=a,b' application_name=\"q\"", 'sslmode=foo', 'port=abc',
  'postgresql://', 'postgres://', 'postgresql://localhost', 'postgresql://localhost:5433',
  'postgresql://localhost/mydb', 'postgresql://user@localhost', 'postgresql://user:secret@localhost',
  'postgresql://other@localhost/otherdb?connect_timeout=10&application_name=myapp',
  'postgresql://host1:123,host2:456/somedb?target_session_attrs=any&application_name=myapp',
  'postgresql://[2001:db8::1234]/database', 'postgresql://%2Fvar%2Flib%2Fpostgresql/dbname',
  'postgresql:///dbname?host=/var/lib/postgresql', 'postgresql://h1,h2:5433', 'postgresql://,',
  'postgresql://[::1]:1,[fe80::2],h3:3/x', 'postgresql://:5433/db', 'postgresql://user@',
  'postgresql://u:@h/', 'postgresql://a@b@c/d', 'postgresql://us%40er:p%3Aw%40d%2F@ho%73t:54%332/d%20b',
  'postgresql://h?ssl=true', 'postgresql://h?ssl=false', 'postgresql://h?requiressl=1',
  'postgresql://h/db?port=1&', 'postgresql://h/db?', 'postgresql://h/db?foo=1', 'postgresql://h/db?port',
  'postgresql://h/db?port=1&&b=2', 'postgresql://h/db?port=1=2', 'postgresql://[::1/db',
  'postgresql://[]/db', 'postgresql://[::1]x/db', 'postgresql://h/d%zzb', 'postgresql://h/db%00',
  'postgresql://h/db%4', 'postgresql://h/db?%70ort=5', 'postgresql://h:/db', 'postgresql://h/?dbname=x',
  'postgresql://h?user=a@b', 'postgresql://user:pa:ss@h', 'postgresql://h/db/more', 'postgresql://h#frag',
];

/** Strings made of the pieces the parsers treat specially, from a fixed seed (reproducible). */
const generated = (count: number): string[] => {
  const pieces = ['host', 'port', 'dbname', 'user', 'password', '=', ' ', "'", '\\', ':', '@', '/', '?',
    '&', ',', '[', ']', '%2F', '%', '%4', 'a', '1', '::1', 'postgresql://', 'ssl=true', '%00', '\t',
    'requiressl', 'sslmode'];
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  return Array.from({ length: count }, () => {
    let text = next(2) === 1 ? 'postgresql://' : '';
    for (let j = next(10); j > 0; j--) text += pieces[next(pieces.length)];
    return text;
  });
};

const runOracle = (strings: readonly string[]): ({ error: string } | Record<string, string>)[] | undefined => {
  const result = spawnSync('python3', [ORACLE], { input: JSON.stringify(strings), encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  return JSON.parse(result.stdout) as ({ error: string } | Record<string, string>)[];
};

const ours = (text: string): { error: string } | Record<string, string> => {
  try {
    return parseConnString(text);
  } catch (error) {
    return { error: (error as Error).message };
  }
};

// libpq's own messages that we reproduce word for word (the others quote the whole URI, which
// may hold a password, so ours name the part instead).
const SAME_MESSAGE = /^(invalid connection option|missing "=" after|unterminated quoted|invalid URI query|missing key\/value|extra key\/value)/;

describe('parseConnString against libpq', () => {
  const oracle = runOracle(CORPUS);
  const available = oracle !== undefined;
  if (!available && process.env['CI'] === 'true') {
    it('has python3 and libpq.so.5 (postgresql-client-15) to compare with', () => {
      expect.fail('python3 with libpq.so.5 is required under CI=true');
    });
  }
  CORPUS.forEach((text, i) => {
    it.skipIf(!available)(`agrees on ${JSON.stringify(text)}`, () => {
      const expected = oracle?.[i] as { error?: string } & Record<string, string>;
      const actual = ours(text) as { error?: string } & Record<string, string>;
      if (expected.error !== undefined) {
        expect(actual.error, 'libpq rejects it: so must we').toBeDefined();
        if (SAME_MESSAGE.test(expected.error)) expect(actual.error).toBe(expected.error);
      } else {
        expect(actual).toEqual(expected);
      }
    });
  });

  it.skipIf(!available)('agrees on 3000 generated strings', () => {
    const corpus = generated(3000);
    const expected = runOracle(corpus) ?? [];
    const differences = corpus.filter((text, i) => {
      const theirs = expected[i] as { error?: string } & Record<string, string>;
      const mine = ours(text) as { error?: string } & Record<string, string>;
      if (theirs.error !== undefined || mine.error !== undefined) {
        return (theirs.error === undefined) !== (mine.error === undefined);
      }
      return JSON.stringify(Object.entries(theirs).sort()) !== JSON.stringify(Object.entries(mine).sort());
    });
    expect(differences).toEqual([]);
  });
});
