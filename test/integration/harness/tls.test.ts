import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPg, startCluster } from '../../harness/pg/index.js';
import type { PgCluster, TlsFixtures } from '../../harness/pg/index.js';

const PASSWORD = 'tls-test-password';

describeWithPg('harness: TLS with the test CA', (major) => {
  let cluster: PgCluster;
  let tls: TlsFixtures;

  beforeAll(async () => {
    cluster = await startCluster(major, { name: 'tls', auth: 'scram-sha-256', tls: true, user: { name: 'ws_user', password: PASSWORD } });
    if (cluster.tls === undefined) throw new Error('tls: true left cluster.tls undefined');
    tls = cluster.tls;
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  const sslQuery = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

  it('verify-full succeeds for localhost and 127.0.0.1 with the test CA', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const result = await cluster.psql(sslQuery, {
        via: 'tcp',
        user: 'ws_user',
        params: { host, sslmode: 'verify-full', sslrootcert: tls.caCert },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('t');
    }
  });

  it('verify-ca fails with the wrong CA', async () => {
    const result = await cluster.psql(sslQuery, { via: 'tcp', user: 'ws_user', params: { sslmode: 'verify-ca', sslrootcert: tls.wrongCaCert } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/certificate verify failed/);
  });

  it('verify-full fails for a host name the certificate does not name', async () => {
    const result = await cluster.psql(sslQuery, {
      via: 'tcp',
      user: 'ws_user',
      params: { host: 'wrong.invalid', hostaddr: '127.0.0.1', sslmode: 'verify-full', sslrootcert: tls.caCert },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/server certificate for "localhost" \(and \d+ other names?\) does not match host name "wrong.invalid"|does not match host name/);
  });

  it('hostssl with clientcert=verify-ca needs the client certificate', async () => {
    await cluster.setHba(['local all all scram-sha-256', 'hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca']);
    try {
      const params = { sslmode: 'verify-full', sslrootcert: tls.caCert, host: 'localhost' };
      const without = await cluster.psql(sslQuery, { via: 'tcp', user: 'ws_user', params: { ...params, sslcert: '/nonexistent', sslkey: '/nonexistent' } });
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(/certificate/);
      const plain = await cluster.psql(sslQuery, { via: 'tcp', user: 'ws_user', params: { sslmode: 'disable' } });
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/no pg_hba.conf entry/);
      const withCert = await cluster.psql(sslQuery, {
        via: 'tcp',
        user: 'ws_user',
        params: { ...params, sslcert: tls.clientCert, sslkey: tls.clientKey },
      });
      expect(withCert.stderr).toBe('');
      expect(withCert.stdout.trim()).toBe('t');
    } finally {
      await cluster.resetHba();
    }
  });
});
