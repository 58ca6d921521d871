import { chmod, copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, PgServerError } from '../../../src/core/pg/connection/errors.js';
import type { PgConnection } from '../../../src/core/pg/connection/pg-connection.js';
import { identifySystem } from '../../../src/core/pg/replication/commands.js';
import {
  chownToServerUser, describeWithPg, runProcess, startCluster, tlsFixtures, type PgCluster, type TlsFixtures,
} from '../../harness/pg/index.js';
import { type ConnectVia, connectTo } from './connect-helpers.js';

const USER = 'ws_tls';
const PASSWORD = 'tls-Pa55word';

const failure = async (promise: Promise<PgConnection>): Promise<Error> => {
  try {
    await (await promise).close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the connection to fail');
};

describeWithPg('TLS: sslmode, certificates, channel binding', (major) => {
  let cluster: PgCluster;
  let fixtures: TlsFixtures;

  const tcp = (params: Record<string, string>, extra: Partial<ConnectVia> = {}): ConnectVia => ({
    via: 'tcp', user: USER, password: PASSWORD, params, ...extra,
  });

  /** Whether the server sees our backend as TLS, from pg_stat_ssl. */
  const serverSeesTls = async (c: PgConnection): Promise<boolean> =>
    (await cluster.sql(`SELECT ssl FROM pg_stat_ssl WHERE pid = ${c.backendPid}`)) === 't';

  const check = async (via: ConnectVia, expectTls: boolean): Promise<PgConnection> => {
    const c = await connectTo(cluster, via);
    try {
      expect(c.tls).toBe(expectTls);
      expect(await serverSeesTls(c)).toBe(expectTls);
    } catch (error) {
      await c.close();
      throw error;
    }
    return c;
  };

  beforeAll(async () => {
    fixtures = await tlsFixtures();
    cluster = await startCluster(major, {
      fsync: false,
      name: `pg${major}-tls`,
      tls: true,
      auth: { local: 'trust', host: 'scram-sha-256' },
      user: { name: USER, password: PASSWORD, replication: true },
    });
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('require: TLS without verification, SCRAM bound to the channel (-PLUS)', async () => {
    const c = await check(tcp({ sslmode: 'require' }), true);
    expect(c.authMethod).toBe('SCRAM-SHA-256-PLUS');
    await c.close();
  });

  it('verify-ca with the test CA', async () => {
    await (await check(tcp({ sslmode: 'verify-ca', sslrootcert: fixtures.caCert }), true)).close();
  });

  it('verify-full for the certificate\'s DNS name and IP address', async () => {
    await (await check(tcp({ sslmode: 'verify-full', sslrootcert: fixtures.caCert, host: 'localhost' }), true)).close();
    await (await check(tcp({ sslmode: 'verify-full', sslrootcert: fixtures.caCert, host: '127.0.0.1' }), true)).close();
    // load_balance_hosts=random connects to the name's addresses one by one, and still
    // verifies the certificate against the name.
    const balanced = tcp({ sslmode: 'verify-full', sslrootcert: fixtures.caCert, host: 'localhost', load_balance_hosts: 'random' });
    await (await check(balanced, true)).close();
  });

  it('verify-full fails for a host name the certificate does not name; verify-ca accepts it', async () => {
    const params = { sslrootcert: fixtures.caCert, host: 'wrong.invalid', hostaddr: '127.0.0.1' };
    const error = await failure(connectTo(cluster, tcp({ ...params, sslmode: 'verify-full' })));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('tls-verification-failed');
    expect(error.message).toMatch(/^connection to server at "wrong\.invalid" \(127\.0\.0\.1\), port \d+ failed: .*wrong\.invalid/);
    expect(error.message).not.toContain(PASSWORD);
    await (await check(tcp({ ...params, sslmode: 'verify-ca' }), true)).close();
  });

  it('a certificate from another CA fails verify-ca and verify-full', async () => {
    for (const sslmode of ['verify-ca', 'verify-full']) {
      const error = await failure(connectTo(cluster, tcp({ sslmode, sslrootcert: fixtures.wrongCaCert })));
      expect((error as ConnectionError).code).toBe('tls-verification-failed');
      expect(error.message).toMatch(/certificate verify failed/);
    }
  });

  it('require checks the chain when a root certificate is given (libpq compatibility)', async () => {
    const error = await failure(connectTo(cluster, tcp({ sslmode: 'require', sslrootcert: fixtures.wrongCaCert })));
    expect((error as ConnectionError).code).toBe('tls-verification-failed');
  });

  it('verify-ca without any root certificate is a configuration error with a hint', async () => {
    const error = await failure(connectTo(cluster, tcp({ sslmode: 'verify-ca' })));
    expect((error as ConnectionError).code).toBe('tls-configuration');
    expect((error as ConnectionError).hint).toMatch(/sslrootcert=system/);
  });

  it('channel_binding: disable uses plain SCRAM over TLS, require insists on -PLUS', async () => {
    const plain = await check(tcp({ sslmode: 'require', channel_binding: 'disable' }), true);
    expect(plain.authMethod).toBe('SCRAM-SHA-256');
    await plain.close();
    const bound = await check(tcp({ sslmode: 'require', channel_binding: 'require' }), true);
    expect(bound.authMethod).toBe('SCRAM-SHA-256-PLUS');
    await bound.close();
    const refused = await failure(connectTo(cluster, tcp({ sslmode: 'disable', channel_binding: 'require' })));
    expect((refused as ConnectionError).code).toBe('auth-channel-binding');
  });

  it('a replication connection over TLS with channel binding', async () => {
    const c = await check(tcp({ sslmode: 'verify-full', sslrootcert: fixtures.caCert, host: 'localhost' }, { replication: 'true' }), true);
    try {
      expect(c.authMethod).toBe('SCRAM-SHA-256-PLUS');
      expect((await identifySystem(c)).timeline).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('sslnegotiation=direct: TLS from the first byte, accepted from 17 on, never a plaintext fallback', async () => {
    const via = tcp({ sslmode: 'require', sslnegotiation: 'direct' });
    if (major >= 17) {
      // The server took our ClientHello as the first bytes, and agreed to ALPN "postgresql".
      const c = await check(via, true);
      expect(c.authMethod).toBe('SCRAM-SHA-256-PLUS');
      await c.close();
      return;
    }
    // An older server reads the ClientHello as a startup packet and hangs up: with an
    // SSLRequest first (the default) the same server accepts TLS, so the handshake was direct.
    const error = await failure(connectTo(cluster, via));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/SSL|TLS|closed|reset|disconnected/i);
    expect((error as ConnectionError).hint).toContain('sslnegotiation=direct needs a PostgreSQL 17 or later server');
    await (await check(tcp({ sslmode: 'require' }), true)).close();
  });

  it('disable, allow and prefer against a server that takes both', async () => {
    await (await check(tcp({ sslmode: 'disable' }), false)).close();
    await (await check(tcp({ sslmode: 'allow' }), false)).close();
    await (await check(tcp({ sslmode: 'prefer' }), true)).close();
  });

  describe('against pg_hba rules that demand or refuse TLS', () => {
    const hba = async (type: 'hostssl' | 'hostnossl', options = ''): Promise<void> => {
      await cluster.setHba([
        'local all all trust',
        `${type} all all 127.0.0.1/32 scram-sha-256${options}`,
        `${type} replication all 127.0.0.1/32 scram-sha-256${options}`,
      ]);
    };
    afterAll(async () => {
      await cluster.resetHba();
    });

    it('hostssl only: allow retries with TLS after the refusal; disable fails with the server\'s error', async () => {
      await hba('hostssl');
      await (await check(tcp({ sslmode: 'allow' }), true)).close();
      const error = await failure(connectTo(cluster, tcp({ sslmode: 'disable' })));
      expect(error).toBeInstanceOf(PgServerError);
      expect((error as PgServerError).sqlstate).toBe('28000');
      expect(error.message).toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.1"/);
    });

    it('hostnossl only: prefer falls back to a plain connection; require fails', async () => {
      await hba('hostnossl');
      await (await check(tcp({ sslmode: 'prefer' }), false)).close();
      const error = await failure(connectTo(cluster, tcp({ sslmode: 'require' })));
      expect((error as PgServerError).sqlstate).toBe('28000');
    });

    it('client certificates: required by clientcert=verify-ca, sent from sslcert/sslkey', async () => {
      await hba('hostssl', ' clientcert=verify-ca');
      const without = await failure(connectTo(cluster, tcp({ sslmode: 'require' })));
      expect(without).toBeInstanceOf(PgServerError);
      expect((without as PgServerError).sqlstate).toBe('28000');
      const withCert = await check(tcp({ sslmode: 'require', sslcert: fixtures.clientCert, sslkey: fixtures.clientKey }), true);
      const clientDn = await cluster.sql(`SELECT client_dn FROM pg_stat_ssl WHERE pid = ${withCert.backendPid}`);
      expect(clientDn).toBe(`/CN=${fixtures.clientCommonName}`);
      await withCert.close();
      // sslcertmode=disable (libpq 16) never sends it, configured or not.
      const withheld = await failure(connectTo(cluster, tcp({
        sslmode: 'require', sslcert: fixtures.clientCert, sslkey: fixtures.clientKey, sslcertmode: 'disable',
      })));
      expect((withheld as PgServerError).sqlstate).toBe('28000');
    });

    it('refuses a private key others can read, before connecting', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ws-key-'));
      const key = join(dir, 'client.key');
      await copyFile(fixtures.clientKey, key);
      await chmod(key, 0o644);
      const error = await failure(connectTo(cluster, tcp({ sslmode: 'require', sslcert: fixtures.clientCert, sslkey: key })));
      expect((error as ConnectionError).code).toBe('tls-configuration');
      expect(error.message).toMatch(/has group or world access/);
    });
  });

  it('binds SCRAM to a certificate signed with SHA-384 (the hash follows the signature)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ws-cert384-'));
    const openssl = async (args: string[]): Promise<void> => {
      const result = await runProcess('/usr/bin/openssl', args, { cwd: dir });
      if (result.code !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
    };
    // DNS name only: connecting to 127.0.0.1 under verify-full then proves this certificate is in use.
    await writeFile(join(dir, 'ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
    await openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'server.key']);
    await openssl(['req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr']);
    await openssl(['x509', '-req', '-in', 'server.csr', '-CA', fixtures.caCert, '-CAkey', fixtures.caKey, '-set_serial', '0x2a',
      '-days', '2', '-sha384', '-extfile', 'ext', '-out', 'server.crt']);
    await chmod(join(dir, 'server.key'), 0o600);
    await chmod(dir, 0o755);
    await chownToServerUser(dir);
    await cluster.appendConf([`ssl_cert_file = '${join(dir, 'server.crt')}'`, `ssl_key_file = '${join(dir, 'server.key')}'`]);
    await cluster.reload();
    const c = await check(
      tcp({ sslmode: 'verify-full', sslrootcert: fixtures.caCert, host: 'localhost', channel_binding: 'require' }),
      true,
    );
    expect(c.authMethod).toBe('SCRAM-SHA-256-PLUS');
    await c.close();
    const byAddress = await failure(
      connectTo(cluster, tcp({ sslmode: 'verify-full', sslrootcert: fixtures.caCert, host: '127.0.0.1' })),
    );
    expect((byAddress as ConnectionError).code).toBe('tls-verification-failed');
    expect(byAddress.message).toMatch(/127\.0\.0\.1/);
  });
});
