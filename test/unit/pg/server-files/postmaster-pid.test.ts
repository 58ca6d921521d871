import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePostmasterPid, readPostmasterPid } from '../../../../src/core/pg/server-files/postmaster-pid.js';

// The shape a running PostgreSQL 15 standby writes (status padded to 8 characters).
const running = [
  '4242',
  '/var/lib/postgresql/15/main',
  '1732190000',
  '5433',
  '/var/run/postgresql',
  'localhost',
  '  5433001    327680',
  'standby ',
  '',
].join('\n');

describe('parsePostmasterPid', () => {
  it('reads every line of a running server', () => {
    expect(parsePostmasterPid(running)).toEqual({
      pid: 4242,
      singleUser: false,
      dataDirectory: '/var/lib/postgresql/15/main',
      startTime: 1732190000,
      port: 5433,
      socketDirectory: '/var/run/postgresql',
      listenAddress: 'localhost',
      shmemKey: '5433001    327680',
      status: 'standby',
    });
  });

  it('accepts a file still being filled in at start-up (lines 4 and up missing or empty)', () => {
    const early = parsePostmasterPid('77\n/data\n1732190000\n5432\n\n');
    expect(early).toEqual({ pid: 77, singleUser: false, dataDirectory: '/data', startTime: 1732190000, port: 5432 });
  });

  it('marks a single-user backend (negative PID)', () => {
    expect(parsePostmasterPid('-991\n/data\n').pid).toBe(991);
    expect(parsePostmasterPid('-991\n/data\n').singleUser).toBe(true);
  });

  it('reads the PID the way pg_ctl does: leading space allowed, trailing text ignored', () => {
    expect(parsePostmasterPid('  123abc\n').pid).toBe(123);
  });

  it('uses pg_ctl\'s messages for an empty file and for garbage', () => {
    expect(() => parsePostmasterPid('', '/d/postmaster.pid')).toThrowError('the PID file "/d/postmaster.pid" is empty');
    expect(() => parsePostmasterPid('x\n', '/d/postmaster.pid')).toThrowError(
      'invalid data in PID file "/d/postmaster.pid"',
    );
    expect(() => parsePostmasterPid('0\n')).toThrowError(/invalid data/);
  });
});

describe('readPostmasterPid', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-pidfile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is undefined when the server is not running (no file)', async () => {
    expect(await readPostmasterPid(dir)).toBeUndefined();
  });

  it('parses the file in the data directory', async () => {
    await writeFile(join(dir, 'postmaster.pid'), running);
    expect((await readPostmasterPid(dir))?.status).toBe('standby');
  });
});
