import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/core/errors.js';
import { connect } from '../../../../src/core/pg/connection/connect.js';
import { ConnectionError, PgServerError } from '../../../../src/core/pg/connection/errors.js';
import type { PgConnection } from '../../../../src/core/pg/connection/pg-connection.js';
import { cstr, int32, msg } from '../protocol/wire.js';
import {
  FrontendReader, type ScriptedServer, acceptTrusted, parameter, resolvedFor, startScriptedServer, startupReply,
} from './scripted-server.js';

// A scripted peer stands in for PostgreSQL here: these are the faults a real server cannot be
// made to produce (silence, garbage, a forged SSL answer).

let server: ScriptedServer;
beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
});

const failure = async (promise: Promise<PgConnection>): Promise<Error> => {
  try {
    await (await promise).close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the connection to fail');
};

describe('connect_timeout and abort', () => {
  it('gives up on a server that accepts and never answers', async () => {
    const resolved = { ...resolvedFor(server.port), connectTimeoutMs: 300 };
    const began = Date.now();
    const [error] = await Promise.all([failure(connect({ resolved })), server.nextConnection()]);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('connection-timeout');
    expect(error.message).toBe(`connection to server at "127.0.0.1", port ${server.port} failed: timeout expired`);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(Date.now() - began).toBeLessThan(3000);
  });

  it('does not count the time spent typing a password', async () => {
    const resolved = { ...resolvedFor(server.port), connectTimeoutMs: 300 };
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write(msg('R', int32(3)));
      const password = await reader.typed();
      reader.socket.write(startupReply());
      return password;
    })();
    const c = await connect({
      resolved,
      promptPassword: () => new Promise((resolve) => setTimeout(() => resolve('typed slowly'), 600)),
    });
    await c.close();
    const password = await serving;
    expect(password.type).toBe('p');
    expect(password.body.toString('utf8')).toBe('typed slowly\0');
  });

  it('stops when the caller aborts, and tries no other host', async () => {
    const controller = new AbortController();
    const resolved = resolvedFor(server.port, { host: '127.0.0.1,127.0.0.1', port: `${server.port},${server.port}` });
    const attempt = failure(connect({ resolved, signal: controller.signal }));
    await server.nextConnection();
    controller.abort();
    const error = await attempt;
    expect((error as ConnectionError).code).toBe('connection-aborted');
  });
});

describe('where it tried', () => {
  it('names the host and, when they differ, the address it resolved to', async () => {
    const error = await failure(connect({ resolved: resolvedFor(1, { host: 'localhost' }) }));
    expect(error.message).toMatch(/^connection to server at "localhost" \((127\.0\.0\.1|::1)\), port 1 failed: Connection refused$/);
    expect((error as ConnectionError).code).toBe('connection-failed');
  });

  it('names the socket file for a unix-socket target', async () => {
    const error = await failure(connect({ resolved: resolvedFor(5999, { host: '/nonexistent-dir' }) }));
    expect(error.message).toBe('connection to server on socket "/nonexistent-dir/.s.PGSQL.5999" failed: No such file or directory');
    expect((error as ConnectionError).hint).toMatch(/accepting connections on that socket/);
  });
});

describe('SSL negotiation', () => {
  const answerSsl = async (bytes: Buffer): Promise<FrontendReader> => {
    const reader = new FrontendReader(await server.nextConnection());
    const request = await reader.untyped();
    expect(request.code).toBe(80_877_103);
    reader.socket.write(bytes);
    return reader;
  };

  it('refuses bytes sent after the server\'s S (they arrived unencrypted)', async () => {
    const [error] = await Promise.all([
      failure(connect({ resolved: resolvedFor(server.port, { sslmode: 'require' }) })),
      answerSsl(Buffer.from('SZ')),
    ]);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).toMatch(/received unencrypted data after SSL response$/);
  });

  it('require fails when the server answers N', async () => {
    const [error] = await Promise.all([
      failure(connect({ resolved: resolvedFor(server.port, { sslmode: 'require' }) })),
      answerSsl(Buffer.from('N')),
    ]);
    expect((error as ConnectionError).code).toBe('tls-required');
    expect(error.message).toMatch(/server does not support SSL, but SSL was required$/);
  });

  it('prefer goes on in plain text on the same socket after N', async () => {
    const serving = (async () => {
      const reader = await answerSsl(Buffer.from('N'));
      expect((await reader.untyped()).code).toBe(196_608);
      reader.socket.write(startupReply());
    })();
    const c = await connect({ resolved: resolvedFor(server.port, { sslmode: 'prefer' }) });
    await serving;
    expect(c.tls).toBe(false);
    expect(c.backendPid).toBe(4242);
    await c.close();
  });

  it('reports an E answer and an unknown answer', async () => {
    const [e] = await Promise.all([failure(connect({ resolved: resolvedFor(server.port, { sslmode: 'require' }) })), answerSsl(Buffer.from('E'))]);
    expect(e.message).toMatch(/server sent an error response during SSL exchange$/);
    const [x] = await Promise.all([failure(connect({ resolved: resolvedFor(server.port, { sslmode: 'require' }) })), answerSsl(Buffer.from('H'))]);
    expect(x).toBeInstanceOf(ProtocolError);
  });
});

describe('startup and protocol violations', () => {
  it('turns garbage into a ProtocolError and closes the socket', async () => {
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
      return reader.closed();
    })();
    const error = await failure(connect({ resolved: resolvedFor(server.port) }));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(await serving).toBe(true);
  });

  it('refuses a message out of place (DataRow during authentication)', async () => {
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write(msg('D', Buffer.from([0, 0])));
      return reader.closed();
    })();
    const error = await failure(connect({ resolved: resolvedFor(server.port) }));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).toMatch(/unexpected server message dataRow$/);
    await serving;
  });

  it('refuses a replication connection to a server without integer timestamps', async () => {
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write(Buffer.concat([msg('R', int32(0)), parameter('server_version', '15.4'), parameter('integer_datetimes', 'off'), msg('Z', Buffer.from('I'))]));
      return reader.closed();
    })();
    const error = await failure(connect({ resolved: resolvedFor(server.port, { replication: 'true' }) }));
    expect((error as ConnectionError).code).toBe('connection-unsuitable');
    expect(error.message).toMatch(/integer_datetimes compile flag does not match server$/);
    await serving;
  });

  it('refuses an authentication method it does not speak (GSS)', async () => {
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write(msg('R', int32(7)));
    })();
    const error = await failure(connect({ resolved: resolvedFor(server.port) }));
    expect((error as ConnectionError).code).toBe('auth-unsupported-method');
    await serving;
  });

  it('closes a connection that receives something unexpected while idle, and says so', async () => {
    const [c, reader] = await Promise.all([connect({ resolved: resolvedFor(server.port) }), acceptTrusted(server)]);
    const errors: Error[] = [];
    c.on('error', (e: Error) => errors.push(e));
    const closed = new Promise<void>((resolve) => c.once('close', resolve));
    reader.socket.write(msg('C', cstr('SELECT 1')));
    await closed;
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect(await reader.closed()).toBe(true);
    await c.close();
  });

  it('routes idle notices and parameter changes; a FATAL error closes', async () => {
    const [c, reader] = await Promise.all([connect({ resolved: resolvedFor(server.port) }), acceptTrusted(server)]);
    const events: unknown[] = [];
    c.on('notice', (n) => events.push(n));
    c.on('error', (e) => events.push(e));
    const closed = new Promise<void>((resolve) => c.once('close', resolve));
    reader.socket.write(Buffer.concat([
      msg('N', Buffer.from('S'), cstr('WARNING'), Buffer.from('C'), cstr('01000'), Buffer.from('M'), cstr('careful'), Buffer.from([0])),
      parameter('application_name', 'renamed'),
      msg('E', Buffer.from('S'), cstr('FATAL'), Buffer.from('C'), cstr('57P01'), Buffer.from('M'), cstr('terminating connection due to administrator command'), Buffer.from([0])),
    ]));
    reader.socket.end();
    await closed;
    expect(events[0]).toEqual({ severity: 'WARNING', sqlstate: '01000', message: 'careful' });
    expect(events[1]).toBeInstanceOf(PgServerError);
    expect(c.parameters.get('application_name')).toBe('renamed');
    await c.close();
  });
});
