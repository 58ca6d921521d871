import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, PgServerError } from '../../../src/core/pg/connection/errors.js';
import { AuthenticationError } from '../../../src/core/pg/auth/authentication-error.js';
import { describeWithPg, quoteIdent, quoteLiteral, startCluster, type PgCluster } from '../../harness/pg/index.js';
import { connectTo, isolatedHome, withConnection } from './connect-helpers.js';

const SCRAM_USER = 'ws_scram';
const SCRAM_PASSWORD = 'sCr4m-pässword';
const MD5_USER = 'ws_md5';
const MD5_PASSWORD = 'md5-secret-Ω';
const WRONG_PASSWORD = 'definitely-wrong-Pw';

/** Every failure message and hint, which must never carry a password. */
const allText = (error: unknown): string => {
  const e = error as { message?: string; hint?: string; detail?: string; serverHint?: string; stack?: string };
  return [e.message, e.hint, e.detail, e.serverHint, JSON.stringify(error)].join('\n');
};

const failure = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the connection to fail');
};

describeWithPg('authentication', (major) => {
  let cluster: PgCluster;

  /** One pg_hba line for TCP from 127.0.0.1 (the socket stays trust for the harness). */
  const useHostMethod = async (method: string): Promise<void> => {
    await cluster.setHba([
      'local all all trust',
      'local replication all trust',
      `host all all 127.0.0.1/32 ${method}`,
      `host replication all 127.0.0.1/32 ${method}`,
    ]);
    await cluster.reload();
  };

  beforeAll(async () => {
    cluster = await startCluster(major, { fsync: false, name: `pg${major}-auth` });
    const role = (name: string, password: string, encryption: string): string =>
      [
        "SET log_statement = 'none';",
        `SET password_encryption = ${quoteLiteral(encryption)};`,
        `CREATE ROLE ${quoteIdent(name)} LOGIN REPLICATION PASSWORD ${quoteLiteral(password)};`,
      ].join('\n');
    await cluster.sql(role(SCRAM_USER, SCRAM_PASSWORD, 'scram-sha-256'));
    await cluster.sql(role(MD5_USER, MD5_PASSWORD, 'md5'));
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('trust over the unix socket: no password asked, startup facts kept', async () => {
    let prompted = 0;
    const c = await connectTo(cluster, { user: SCRAM_USER }, { promptPassword: async () => `${++prompted}` });
    try {
      expect(prompted).toBe(0);
      expect(c.authMethod).toBe('trust');
      expect(c.target.socketPath).toMatch(/\.s\.PGSQL\.\d+$/);
      expect(Math.floor(c.serverVersionNum / 10_000)).toBe(major);
      expect(c.parameters.get('integer_datetimes')).toBe('on');
      expect(c.parameters.get('application_name')).toBe('ws-integration');
      const [result] = await c.query('SELECT pg_backend_pid(), current_user');
      expect(result?.rows).toEqual([[String(c.backendPid), SCRAM_USER]]);
    } finally {
      await c.close();
    }
  });

  describe.each([
    ['password', SCRAM_USER, SCRAM_PASSWORD, 'password'],
    ['md5', MD5_USER, MD5_PASSWORD, 'md5'],
    ['scram-sha-256', SCRAM_USER, SCRAM_PASSWORD, 'SCRAM-SHA-256'],
  ] as const)('%s over TCP', (method, user, password, used) => {
    beforeAll(async () => {
      await useHostMethod(method);
    });

    it('authenticates with the right password', async () => {
      await withConnection(cluster, { via: 'tcp', user, password }, async (c) => {
        expect(c.authMethod).toBe(used);
        expect(c.tls).toBe(false);
        const [result] = await c.query('SELECT current_user');
        expect(result?.rows).toEqual([[user]]);
      });
      // The server's own account of the method, from its log (log_connections = on).
      const log = await cluster.readLog();
      expect(log).toMatch(new RegExp(`identity="${user}" method=${method}`));
    });

    it('fails cleanly with a wrong password: stable code, exit status, no password in the message', async () => {
      const error = await failure(connectTo(cluster, { via: 'tcp', user, password: WRONG_PASSWORD }));
      expect(error).toBeInstanceOf(PgServerError);
      const serverError = error as PgServerError;
      expect(serverError.code).toBe('authentication-failed');
      expect(serverError.exitStatus).toBe(1);
      expect(serverError.sqlstate).toBe('28P01');
      expect(serverError.severity).toBe('FATAL');
      expect(serverError.message).toBe(
        `connection to server at "127.0.0.1", port ${cluster.port} failed: ` +
          `FATAL:  password authentication failed for user "${user}"`,
      );
      expect(allText(error)).not.toContain(WRONG_PASSWORD);
      expect(allText(error)).not.toContain(password);
    });

    it('asks promptPassword once, only because the server asked', async () => {
      const asked: string[] = [];
      const c = await connectTo(cluster, { via: 'tcp', user }, {
        promptPassword: async () => {
          asked.push('asked');
          return password;
        },
      });
      await c.close();
      expect(asked).toEqual(['asked']);
    });

    it('without any password source: fe_sendauth error, no prompt', async () => {
      const error = await failure(connectTo(cluster, { via: 'tcp', user }));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).code).toBe('auth-password-required');
      expect(error.message).toBe(
        `connection to server at "127.0.0.1", port ${cluster.port} failed: fe_sendauth: no password supplied`,
      );
    });

    it('finds the password in .pgpass for this host, port, database and user', async () => {
      const passfile = join(isolatedHome, `pgpass-${method}`);
      await writeFile(passfile, `# test\nother:*:*:*:nope\n127.0.0.1:${cluster.port}:postgres:${user}:${password.replaceAll(':', '\\:')}\n`);
      await chmod(passfile, 0o600);
      await withConnection(cluster, { via: 'tcp', user, env: { PGPASSFILE: passfile } }, async (c) => {
        expect(c.authMethod).toBe(used);
      });
      await writeFile(passfile, `*:*:*:${user}:${WRONG_PASSWORD}\n`);
      const error = await failure(connectTo(cluster, { via: 'tcp', user, env: { PGPASSFILE: passfile } }));
      expect((error as PgServerError).sqlstate).toBe('28P01');
      expect((error as PgServerError).hint).toBe(`The password was read from "${passfile}".`);
      expect(allText(error)).not.toContain(WRONG_PASSWORD);
    });
  });

  describe('SCRAM over the unix socket and for replication connections', () => {
    beforeAll(async () => {
      await cluster.setHba(['local all all scram-sha-256', 'local replication all scram-sha-256']);
      await cluster.reload();
    });
    afterAll(async () => {
      await cluster.resetHba();
      await cluster.reload();
    });

    it('authenticates a physical replication connection', async () => {
      await withConnection(cluster, { user: SCRAM_USER, password: SCRAM_PASSWORD, replication: 'true' }, async (c) => {
        expect(c.authMethod).toBe('SCRAM-SHA-256');
        const [result] = await c.query('IDENTIFY_SYSTEM');
        expect(result?.fields.map((f) => f.name)).toEqual(['systemid', 'timeline', 'xlogpos', 'dbname']);
      });
    });

    it('refuses channel_binding=require without TLS', async () => {
      const error = await failure(
        connectTo(cluster, { user: SCRAM_USER, password: SCRAM_PASSWORD, params: { channel_binding: 'require' } }),
      );
      expect((error as AuthenticationError).code).toBe('auth-channel-binding');
    });
  });

  it('reports server errors of startup with libpq\'s prefix (unknown database)', async () => {
    const error = await failure(connectTo(cluster, { dbname: 'no_such_db' }));
    expect(error).toBeInstanceOf(PgServerError);
    expect((error as PgServerError).sqlstate).toBe('3D000');
    expect((error as PgServerError).code).toBe('server-error');
    expect(error.message).toMatch(/^connection to server on socket ".*\.s\.PGSQL\.\d+" failed: FATAL: {2}database "no_such_db" does not exist$/);
  });

  it('reports a missing server with the address and a hint', async () => {
    const error = await failure(connectTo(cluster, { via: 'tcp', params: { port: '1' } }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('connection-failed');
    expect(error.message).toBe('connection to server at "127.0.0.1", port 1 failed: Connection refused');
    expect((error as ConnectionError).hint).toMatch(/accepting TCP\/IP connections/);
  });

  it('tries every host of a list and keeps the first that answers', async () => {
    const c = await connectTo(cluster, {
      via: 'tcp',
      params: { host: `127.0.0.1,${cluster.host}`, port: `1,${cluster.port}` },
    });
    try {
      expect(c.target.socketPath).toBeDefined();
    } finally {
      await c.close();
    }
    const error = await failure(connectTo(cluster, { via: 'tcp', params: { host: '127.0.0.1,127.0.0.1', port: '1,2' } }));
    expect(error.message.split('\n')).toEqual([
      'connection to server at "127.0.0.1", port 1 failed: Connection refused',
      'connection to server at "127.0.0.1", port 2 failed: Connection refused',
    ]);
  });
});
