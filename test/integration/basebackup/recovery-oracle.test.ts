import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PgCluster, describeWithPg, requireTool, runProcess, startCluster, testEnvironment,
} from '../../harness/pg/index.js';
import { backupDir, basebackup, clientEnv } from './helpers.js';

// Debian's pg_basebackup 15 is the oracle: it refuses servers newer than 15, so this runs on 15.
describeWithPg('basebackup -R writes what pg_basebackup -R writes', (major) => {
  let primary: PgCluster;
  beforeAll(async () => {
    primary = await startCluster(major, { auth: 'scram-sha-256', name: `bbr${major}` });
  });
  afterAll(async () => {
    await primary?.destroy();
  });

  const appended = (dir: string): string[] => {
    const lines = readFileSync(join(dir, 'postgresql.auto.conf'), 'utf8').split('\n');
    return lines.filter((l) => l.startsWith('primary_'));
  };

  const cases: [string, string[], Record<string, string>][] = [
    ['a unix socket, a password from the environment', ['-h', '', '-p', '', '-U', 'postgres'], {}],
    ['TCP, -S slot with -C, application_name full of quotes, backslashes and spaces',
      ['-h', '127.0.0.1', '-p', '', '-U', 'postgres', '-S', 'oracle_slot_X', '-C',
        '-d', "application_name='it\\'s a \\\\back\\\\slash, \"dq\" and  spaces' sslmode=disable connect_timeout=10"], {}],
    ['a password inside the connection string and a URI-free keyword list',
      ['-d', 'host=HOST port=PORT user=postgres password=PW options=-cwork_mem=4MB keepalives=1'], { PGPASSWORD: '' }],
  ];

  it.each(cases)('%s', async (_name, rawArgs, extraEnv) => {
    const args = rawArgs.map((a, i) => {
      if (rawArgs[i - 1] === '-h' && a === '') return primary.host;
      if (rawArgs[i - 1] === '-p' && a === '') return String(primary.port);
      return a.replace('HOST', primary.host).replace('PORT', String(primary.port))
        .replace('PW', `'${primary.superuserPassword}'`);
    });
    const slotIndex = args.indexOf('-S');
    const env = clientEnv(primary, { HOME: '/nonexistent-home', ...extraEnv });
    if (extraEnv['PGPASSWORD'] === '') delete env['PGPASSWORD'];
    const ours = backupDir('r-ours');
    const theirs = backupDir('r-theirs');
    const oursArgs = [...args];
    if (slotIndex !== -1) oursArgs[slotIndex + 1] = `${args[slotIndex + 1] as string}`.toLowerCase().replace('x', 'ours');
    const run = await basebackup(['-D', ours.data, '-R', '-c', 'fast', '-w', ...oursArgs], env);
    expect(run.code, run.stderr).toBe(0);
    const theirArgs = [...args];
    if (slotIndex !== -1) theirArgs[slotIndex + 1] = `${args[slotIndex + 1] as string}`.toLowerCase().replace('x', 'ours');
    // The same slot name on both sides (the text must match); ours made it, so drop it first.
    if (slotIndex !== -1) await primary.sql(`SELECT pg_drop_replication_slot('${theirArgs[slotIndex + 1] as string}')`);
    const oracle = await runProcess(requireTool('pg_basebackup'), ['-D', theirs.data, '-R', '-c', 'fast', '-w', ...theirArgs],
      { env, timeoutMs: 300_000 });
    expect(oracle.code, oracle.stderr).toBe(0);
    expect(appended(ours.data)).toEqual(appended(theirs.data));
    expect(appended(ours.data)[0]).toMatch(/^primary_conninfo = '/);
    expect(readFileSync(join(ours.data, 'standby.signal'), 'utf8')).toBe('');
  });
}, { tools: ['pg_basebackup'], majors: (m) => m === 15 });

if (!testEnvironment().majors.includes(15)) {
  describe.skip('basebackup -R against pg_basebackup 15 (skipped: PostgreSQL 15 is not among the majors under test)', () => {
    it('needs a 15 server', () => undefined);
  });
}
