import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPg, startCluster } from '../../harness/pg/index.js';
import type { AuthMethod, PgCluster } from '../../harness/pg/index.js';

const PASSWORD = 'S3cret: with spaces, \'quotes\' and \\ backslash';
const WRONG = 'not-the-password';

/** The method the server says it used (log_connections, PostgreSQL 14+). */
async function authenticatedWith(cluster: PgCluster, user: string): Promise<string[]> {
  const log = await cluster.readLog();
  return [...log.matchAll(new RegExp(`connection authenticated: identity="${user}" method=([a-z0-9-]+)`, 'g'))].map((m) => m[1] ?? '');
}

async function expectAccepted(cluster: PgCluster, user: string, via: 'socket' | 'tcp', password: string): Promise<void> {
  const result = await cluster.psql('SELECT current_user', { user, via, password });
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe(user);
}

async function expectRejected(cluster: PgCluster, user: string, via: 'socket' | 'tcp', password: string, message: RegExp): Promise<void> {
  const result = await cluster.psql('SELECT current_user', { user, via, password });
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(message);
}

describeWithPg('harness: authentication methods', (major) => {
  let scram: PgCluster;
  let md5: PgCluster;

  beforeAll(async () => {
    scram = await startCluster(major, { name: 'scram', auth: 'scram-sha-256', user: { name: 'ws_user', password: PASSWORD } });
    md5 = await startCluster(major, { name: 'md5', auth: 'md5', user: { name: 'ws_user', password: PASSWORD } });
  });
  afterAll(async () => {
    await scram?.destroy();
    await md5?.destroy();
  });

  for (const [label, pick, method] of [
    ['scram-sha-256', () => scram, 'scram-sha-256'],
    ['md5', () => md5, 'md5'],
  ] as const) {
    it(`${label}: accepts the right password and rejects a wrong or missing one, on socket and TCP`, async () => {
      const cluster = pick();
      for (const via of ['socket', 'tcp'] as const) {
        await expectAccepted(cluster, 'ws_user', via, PASSWORD);
        await expectRejected(cluster, 'ws_user', via, WRONG, /password authentication failed for user "ws_user"/);
        await expectRejected(cluster, 'ws_user', via, '', /no password supplied/);
      }
      expect(await authenticatedWith(cluster, 'ws_user')).toEqual([method, method]);
      const stored = await cluster.sql("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'ws_user'");
      expect(stored).toBe(method === 'md5' ? 'md5' : 'SCR');
    });
  }

  it('password (cleartext): setHba switches the method and a wrong password is rejected', async () => {
    await md5.setHba(['local all all password', 'host all all 127.0.0.1/32 password']);
    try {
      const before = (await authenticatedWith(md5, 'ws_user')).length;
      await expectAccepted(md5, 'ws_user', 'tcp', PASSWORD);
      await expectRejected(md5, 'ws_user', 'tcp', WRONG, /password authentication failed for user "ws_user"/);
      expect((await authenticatedWith(md5, 'ws_user')).slice(before)).toEqual(['password']);
    } finally {
      await md5.resetHba();
    }
    await expectAccepted(md5, 'ws_user', 'socket', PASSWORD);
  });

  it('trust: any password or none is accepted', async () => {
    const trust: AuthMethod = 'trust';
    await scram.setHba([`local all all ${trust}`, `host all all 127.0.0.1/32 ${trust}`]);
    try {
      await expectAccepted(scram, 'ws_user', 'tcp', '');
      await expectAccepted(scram, 'ws_user', 'socket', WRONG);
    } finally {
      await scram.resetHba();
    }
    await expectRejected(scram, 'ws_user', 'tcp', WRONG, /password authentication failed/);
  });

  it('keeps the passwords out of the server logs', async () => {
    for (const cluster of [scram, md5]) {
      const log = await cluster.readLog();
      expect(log).toContain('connection authorized');
      expect(log).not.toContain(PASSWORD);
      expect(log).not.toContain(cluster.superuserPassword);
    }
  });
});
