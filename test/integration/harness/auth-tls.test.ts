import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPg, startCluster } from '../../harness/pg/index.js';
import type { AuthMethod, PgCluster, TlsFixtures } from '../../harness/pg/index.js';

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

describeWithPg('harness: authentication methods and TLS', (major) => {
  let scram: PgCluster;
  let md5: PgCluster;

  beforeAll(async () => {
    // One cluster serves the scram-sha-256 and the TLS tests: fewer initdb runs per major.
    scram = await startCluster(major, { name: 'scram-tls', auth: 'scram-sha-256', tls: true, user: { name: 'ws_user', password: PASSWORD } });
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

  const tls = (): TlsFixtures => {
    if (scram.tls === undefined) throw new Error('tls: true left cluster.tls undefined');
    return scram.tls;
  };

  const sslQuery = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

  it('TLS: verify-full succeeds for localhost and 127.0.0.1 with the test CA', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const result = await scram.psql(sslQuery, {
        via: 'tcp',
        user: 'ws_user',
        params: { host, sslmode: 'verify-full', sslrootcert: tls().caCert },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('t');
    }
  });

  it('TLS: verify-ca fails with the wrong CA', async () => {
    const result = await scram.psql(sslQuery, { via: 'tcp', user: 'ws_user', params: { sslmode: 'verify-ca', sslrootcert: tls().wrongCaCert } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/certificate verify failed/);
  });

  it('TLS: verify-full fails for a host name the certificate does not name', async () => {
    const result = await scram.psql(sslQuery, {
      via: 'tcp',
      user: 'ws_user',
      params: { host: 'wrong.invalid', hostaddr: '127.0.0.1', sslmode: 'verify-full', sslrootcert: tls().caCert },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/server certificate for "localhost" \(and \d+ other names?\) does not match host name "wrong.invalid"|does not match host name/);
  });

  it('TLS: hostssl with clientcert=verify-ca needs the client certificate', async () => {
    await scram.setHba(['local all all scram-sha-256', 'hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca']);
    try {
      const params = { sslmode: 'verify-full', sslrootcert: tls().caCert, host: 'localhost' };
      const without = await scram.psql(sslQuery, { via: 'tcp', user: 'ws_user', params: { ...params, sslcert: '/nonexistent', sslkey: '/nonexistent' } });
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(/certificate/);
      const plain = await scram.psql(sslQuery, { via: 'tcp', user: 'ws_user', params: { sslmode: 'disable' } });
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/no pg_hba.conf entry/);
      const withCert = await scram.psql(sslQuery, {
        via: 'tcp',
        user: 'ws_user',
        params: { ...params, sslcert: tls().clientCert, sslkey: tls().clientKey },
      });
      expect(withCert.stderr).toBe('');
      expect(withCert.stdout.trim()).toBe('t');
    } finally {
      await scram.resetHba();
    }
  });
});
