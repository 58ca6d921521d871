import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkAuthRequest } from '../../../../src/core/pg/auth/auth-requirements.js';
import { chooseSaslMechanism } from '../../../../src/core/pg/auth/choose-sasl-mechanism.js';
import { connect } from '../../../../src/core/pg/connection/connect.js';
import { parseRequireAuth } from '../../../../src/core/pg/conninfo/require-auth.js';
import { int32, msg } from '../protocol/wire.js';
import { FrontendReader, type ScriptedServer, resolvedFor, startScriptedServer, startupReply } from './scripted-server.js';

// A hostile server: it asks for the password in a way the connection forbids (cleartext or
// MD5 under channel_binding=require or require_auth), as an impersonating server would to
// harvest it. A real server cannot be made to do this against the client's settings. The
// password must never leave the client: libpq refuses before answering, and so must we.

let server: ScriptedServer;
beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
});

const SECRET = 'hunter2-not-for-you';
const requests = { cleartext: msg('R', int32(3)), md5: msg('R', int32(5), Buffer.from([1, 2, 3, 4])), none: msg('R', int32(0)) };

/** Serves one client: asks as `ask`, then records every typed message the client sends. */
const hostile = async (ask: Buffer): Promise<string[]> => {
  const reader = new FrontendReader(await server.nextConnection());
  await reader.untyped();
  reader.socket.write(ask);
  if (ask === requests.none) reader.socket.write(startupReply());
  const seen: string[] = [];
  try {
    for (;;) {
      const message = await reader.typed();
      seen.push(`${message.type}:${message.body.toString('latin1')}`);
      if (message.type === 'p') reader.socket.write(startupReply());
    }
  } catch {
    return seen; // the client closed
  }
};

const attempt = async (params: Record<string, string>, ask: Buffer) => {
  const resolved = { ...resolvedFor(server.port, params), password: SECRET };
  const served = hostile(ask);
  let error: Error | undefined;
  try {
    await (await connect({ resolved })).close();
  } catch (caught) {
    error = caught as Error;
  }
  return { error, seen: await served };
};

describe('no password for a server that asks in a forbidden way', () => {
  it.each([
    ['cleartext', requests.cleartext],
    ['MD5', requests.md5],
  ])('channel_binding=require: %s is refused before anything is sent', async (_what, ask) => {
    const { error, seen } = await attempt({ channel_binding: 'require' }, ask);
    expect(error?.message).toContain("channel binding required but not supported by server's authentication request");
    expect(seen.join(' ')).not.toContain(SECRET);
    expect(seen.filter((m) => m.startsWith('p:'))).toEqual([]);
  });

  it('channel_binding=require: a server that asks for nothing is refused too', async () => {
    const { error } = await attempt({ channel_binding: 'require' }, requests.none);
    expect(error?.message).toContain('channel binding required, but server authenticated client without channel binding');
  });

  it.each([
    ['scram-sha-256', requests.cleartext, 'server requested a cleartext password'],
    ['scram-sha-256', requests.md5, 'server requested a hashed password'],
    ['!password,!md5', requests.cleartext, 'server requested a cleartext password'],
    ['password', requests.none, 'server did not complete authentication'],
  ])('require_auth=%s: refused with libpq\'s words', async (requireAuth, ask, why) => {
    const { error, seen } = await attempt({ require_auth: requireAuth }, ask);
    expect(error?.message).toContain(`authentication method requirement "${requireAuth}" failed: ${why}`);
    expect(seen.filter((m) => m.startsWith('p:'))).toEqual([]);
  });

  it('require_auth that allows the method answers as usual', async () => {
    const { error, seen } = await attempt({ require_auth: '!md5' }, requests.cleartext);
    expect(error).toBeUndefined();
    expect(seen).toContain(`p:${SECRET}\0`);
  });
});

describe('require_auth values', () => {
  it('parses lists and negated lists, and refuses what libpq refuses', () => {
    expect([...(parseRequireAuth('md5,scram-sha-256')?.allowed ?? [])].sort()).toEqual(['md5', 'scram-sha-256']);
    expect(parseRequireAuth('!password')?.allowed.has('password')).toBe(false);
    expect(parseRequireAuth('!password')?.allowed.has('scram-sha-256')).toBe(true);
    expect(parseRequireAuth('')).toBeUndefined();
    expect(() => parseRequireAuth('md5,!password')).toThrow('cannot be mixed with non-negative methods');
    expect(() => parseRequireAuth('md5,md5')).toThrow('is specified more than once');
    expect(() => parseRequireAuth('kerberos')).toThrow('invalid require_auth value: "kerberos"');
  });

  it('SCRAM is allowed under channel_binding=require (the -PLUS choice decides)', () => {
    expect(() => checkAuthRequest('sasl', 'require', undefined)).not.toThrow();
  });

  it('SCRAM without -PLUS over TLS under channel_binding=require says what the server lacks', () => {
    const choose = (usesTls: boolean) => () => chooseSaslMechanism({
      offered: ['SCRAM-SHA-256'], password: 'x', channelBinding: 'require', usesTls,
    });
    expect(choose(true)).toThrow('server did not offer an authentication method that supports channel binding');
    expect(choose(false)).toThrow('the connection does not use SSL');
  });
});

describe('a server demanding 2^31-1 SCRAM iterations', () => {
  it('cannot hold the client past connect_timeout: the hashing runs off the event loop', async () => {
    const { cstr } = await import('../protocol/wire.js');
    const serving = (async () => {
      const reader = new FrontendReader(await server.nextConnection());
      await reader.untyped();
      reader.socket.write(msg('R', int32(10), cstr('SCRAM-SHA-256'), Buffer.from([0])));
      const initial = await reader.typed();
      const clientNonce = /r=([^,]*)/.exec(initial.body.toString('latin1'))?.[1] ?? '';
      const serverFirst = `r=${clientNonce}hostile,s=${Buffer.from('salt').toString('base64')},i=2147483647`;
      reader.socket.write(msg('R', int32(11), Buffer.from(serverFirst)));
      await reader.closed();
    })();
    const resolved = { ...resolvedFor(server.port), password: SECRET, connectTimeoutMs: 2000 };
    const began = Date.now();
    const error = await connect({ resolved }).then(
      async (c) => { await c.close(); return undefined; },
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain('timeout expired');
    expect(Date.now() - began).toBeLessThan(10_000);
    await serving;
  }, 30_000);
});
