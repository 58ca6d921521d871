import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConninfoError } from '../../../../src/core/pg/conninfo/conninfo-error.js';
import type { ConnectionProbe } from '../../../../src/core/pg/conninfo/environment-probe.js';
import { resolveConnection } from '../../../../src/core/pg/conninfo/resolve.js';

const probe: ConnectionProbe = {
  socketExists: () => false, fileExists: () => false, osUserName: () => 'alice', passwdHome: () => '/nonexistent',
};

let dir: string;
let home: string;
let sysconf: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-service-'));
  home = join(dir, 'home');
  sysconf = join(dir, 'etc');
  await mkdir(home);
  await mkdir(sysconf);
  await writeFile(join(home, '.pg_service.conf'), [
    '# personal services',
    '[primary]',
    'host=db1.example',
    'port=5433',
    'dbname=app',
    'port=9999',
    '',
    '[broken]',
    'host = spaced',
    '[nested]',
    'service=primary',
  ].join('\n'));
  await writeFile(join(sysconf, 'pg_service.conf'), '[shared]\n  host=shared.example  \nuser=ops\n[primary]\nhost=ignored\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const resolve = (connString: string, env: NodeJS.ProcessEnv = {}) =>
  resolveConnection({ connString, env: { HOME: home, PGSYSCONFDIR: sysconf, ...env }, probe });

describe('service files', () => {
  it('fills what the string does not say from ~/.pg_service.conf, first setting wins', () => {
    const r = resolve('service=primary user=bob');
    expect(r.targets).toEqual([{ host: 'db1.example', port: 5433 }]);
    expect(r.database).toBe('app');
    expect(r.user).toBe('bob');
    expect(r.sources).toMatchObject({ host: 'service', port: 'service', user: 'connstring' });
  });

  it('ranks the service over the environment and under the string', () => {
    const r = resolve('service=primary port=6000', { PGHOST: 'envhost', PGPORT: '7000' });
    expect(r.targets).toEqual([{ host: 'db1.example', port: 6000 }]);
  });

  it('falls back to PGSYSCONFDIR/pg_service.conf, and takes PGSERVICE', () => {
    const r = resolve('', { PGSERVICE: 'shared' });
    expect(r.targets[0]?.host).toBe('shared.example');
    expect(r.user).toBe('ops');
  });

  it('uses PGSERVICEFILE instead of ~/.pg_service.conf', () => {
    const r = resolve('service=primary', { PGSERVICEFILE: join(sysconf, 'pg_service.conf') });
    expect(r.targets[0]?.host).toBe('ignored');
  });

  it('reports unknown services and broken lines', () => {
    const fails = (connString: string, env: NodeJS.ProcessEnv = {}): string => {
      try {
        resolve(connString, env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConninfoError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(fails('service=nosuch')).toBe('definition of service "nosuch" not found');
    expect(fails('service=broken')).toBe(`syntax error in service file "${join(home, '.pg_service.conf')}", line 9`);
    expect(fails('service=nested')).toBe('nested service specifications not supported in service file ' +
      `"${join(home, '.pg_service.conf')}", line 11`);
    expect(fails('service=primary', { PGSERVICEFILE: join(dir, 'none.conf') }))
      .toBe(`service file "${join(dir, 'none.conf')}" not found`);
  });
});
