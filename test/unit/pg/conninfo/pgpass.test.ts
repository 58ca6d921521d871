import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lookupPgpass } from '../../../../src/core/pg/conninfo/pgpass.js';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-pgpass-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pgpassFile = async (text: string, mode = 0o600): Promise<string> => {
  const file = join(dir, `pgpass-${++counter}`);
  await writeFile(file, text);
  await chmod(file, mode);
  return file;
};

const target = { host: 'db1', port: 5432, database: 'app', user: 'alice' };

describe('lookupPgpass', () => {
  it('returns the password of the first matching line', async () => {
    const file = await pgpassFile([
      'db2:5432:app:alice:wrong-host',
      'db1:5433:app:alice:wrong-port',
      'db1:5432:other:alice:wrong-db',
      'db1:5432:app:bob:wrong-user',
      'db1:5432:app:alice:right',
      'db1:5432:app:alice:second',
    ].join('\n'));
    expect(await lookupPgpass(file, target)).toBe('right');
  });

  it('matches * in any field', async () => {
    for (const line of ['*:5432:app:alice:pw', 'db1:*:app:alice:pw', 'db1:5432:*:alice:pw',
      'db1:5432:app:*:pw', '*:*:*:*:pw']) {
      expect(await lookupPgpass(await pgpassFile(`${line}\n`), target)).toBe('pw');
    }
    // "*" is a wildcard only as a whole field.
    expect(await lookupPgpass(await pgpassFile('db*:5432:app:alice:pw\n'), target)).toBeUndefined();
  });

  it('reads \\: and \\\\ escapes in fields and in the password', async () => {
    const file = await pgpassFile(String.raw`my\:host:5432:d\\b:alice:p\:w\\d\:` + '\n');
    expect(await lookupPgpass(file, { ...target, host: 'my:host', database: 'd\\b' })).toBe('p:w\\d:');
  });

  it('ends the password at an unescaped colon', async () => {
    expect(await lookupPgpass(await pgpassFile('db1:5432:app:alice:pw:extra\n'), target)).toBe('pw');
  });

  it('skips comments and blank lines, and reads CRLF files and a last line without newline', async () => {
    const file = await pgpassFile('# db1:5432:app:alice:commented\r\n\r\n\ndb1:5432:app:alice:crlf\r\n');
    expect(await lookupPgpass(file, target)).toBe('crlf');
    expect(await lookupPgpass(await pgpassFile('db1:5432:app:alice:last'), target)).toBe('last');
  });

  it('uses "replication" as the database of a physical replication connection', async () => {
    const file = await pgpassFile('db1:5432:replication:alice:repl\ndb1:5432:*:alice:any\n');
    expect(await lookupPgpass(file, { ...target, database: 'replication' })).toBe('repl');
  });

  it('matches the default socket directories as localhost, other directories literally', async () => {
    const file = await pgpassFile('localhost:5432:app:alice:local\n/sockets:5432:app:alice:literal\n');
    expect(await lookupPgpass(file, { ...target, host: '/var/run/postgresql' })).toBe('local');
    expect(await lookupPgpass(file, { ...target, host: '/tmp' })).toBe('local');
    expect(await lookupPgpass(file, { ...target, host: '' })).toBe('local');
    expect(await lookupPgpass(file, { ...target, host: '/sockets' })).toBe('literal');
    expect(await lookupPgpass(file, { ...target, host: '/elsewhere' })).toBeUndefined();
    const literal = await pgpassFile('/tmp:5432:app:alice:tmp-line\n');
    expect(await lookupPgpass(literal, { ...target, host: '/tmp' })).toBe('tmp-line');
  });

  it('finds nothing for no match, a missing file, or an empty user or database', async () => {
    const file = await pgpassFile('db1:5432:app:alice:pw\n');
    expect(await lookupPgpass(file, { ...target, port: 1 })).toBeUndefined();
    expect(await lookupPgpass(join(dir, 'absent'), target)).toBeUndefined();
    expect(await lookupPgpass(file, { ...target, user: '' })).toBeUndefined();
    expect(await lookupPgpass(file, { ...target, database: '' })).toBeUndefined();
  });

  it('ignores a file that group or others may read, and says so through onWarning', async () => {
    for (const mode of [0o640, 0o604, 0o660, 0o700]) {
      const file = await pgpassFile('db1:5432:app:alice:pw\n', mode);
      const warnings: string[] = [];
      const found = await lookupPgpass(file, target, { onWarning: (w) => warnings.push(w) });
      if (mode === 0o700) {
        // Only group/other bits matter, as in libpq.
        expect(found).toBe('pw');
        expect(warnings).toEqual([]);
      } else {
        expect(found).toBeUndefined();
        expect(warnings).toEqual([`password file "${file}" has group or world access; ` +
          'permissions should be u=rw (0600) or less']);
      }
    }
  });

  it('ignores something that is not a plain file, with a warning', async () => {
    const sub = join(dir, 'a-directory');
    await mkdir(sub, { mode: 0o700 });
    const warnings: string[] = [];
    expect(await lookupPgpass(sub, target, { onWarning: (w) => warnings.push(w) })).toBeUndefined();
    expect(warnings).toEqual([`password file "${sub}" is not a plain file`]);
  });

  it('does not warn about a missing file', async () => {
    const warnings: string[] = [];
    await lookupPgpass(join(dir, 'nope'), target, { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
  });
});
