import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { AuthenticationError } from '../../../../src/core/pg/auth/authentication-error.js';
import { chooseSaslMechanism } from '../../../../src/core/pg/auth/choose-sasl-mechanism.js';
import { saslprepPassword } from '../../../../src/core/pg/auth/saslprep.js';
import { ScramClient } from '../../../../src/core/pg/auth/scram.js';

// RFC 7677 section 3: user "user", password "pencil".
const RFC = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
    'p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return (error as AuthenticationError).code;
  }
  throw new Error('expected an AuthenticationError');
};

/**
 * The server's side of the exchange, written from RFC 5802 section 3 independently of the
 * client: checks the proof against StoredKey and returns server-final-message.
 */
const serverVerify = (password: string, salt: Buffer, iterations: number, clientFirstBare: string,
  serverFirst: string, clientFinal: string): { ok: boolean; serverFinal: string; binding: Buffer } => {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
  const proof = Buffer.from(clientFinal.slice(clientFinal.lastIndexOf(',p=') + 3), 'base64');
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  const recovered = Buffer.from(proof.map((b, i) => b ^ (signature[i] as number)));
  const ok = timingSafeEqual(createHash('sha256').update(recovered).digest(), storedKey);
  const serverSignature = createHmac('sha256', serverKey).update(authMessage).digest();
  const binding = Buffer.from(/^c=([^,]*)/.exec(clientFinal)?.[1] ?? '', 'base64');
  return { ok, serverFinal: `v=${serverSignature.toString('base64')}`, binding };
};

const SALT = Buffer.from('0123456789abcdef');

/** Runs a whole exchange against serverVerify with a server nonce appended to the client's. */
const exchange = (client: ScramClient, serverPassword: string) => {
  const first = client.clientFirstMessage();
  const bare = first.slice(first.indexOf('n=', 2));
  const clientNonce = /r=(.*)$/.exec(bare)?.[1] ?? '';
  const serverFirst = `r=${clientNonce}srvNONCE,s=${SALT.toString('base64')},i=4096`;
  const final = client.clientFinalMessage(serverFirst);
  return { first, final, ...serverVerify(serverPassword, SALT, 4096, bare, serverFirst, final) };
};

describe('ScramClient', () => {
  it('reproduces the RFC 7677 test vector with the key derived off the event loop', async () => {
    const client = new ScramClient({ password: 'pencil', username: 'user', nonce: RFC.clientNonce });
    client.clientFirstMessage();
    expect(await client.clientFinalMessageAsync(RFC.serverFirst)).toBe(RFC.clientFinal);
    expect(() => client.verifyServerFinal(RFC.serverFinal)).not.toThrow();
  });

  it('reproduces the RFC 7677 test vector exactly', () => {
    const client = new ScramClient({ password: 'pencil', username: 'user', nonce: RFC.clientNonce });
    expect(client.mechanism).toBe('SCRAM-SHA-256');
    expect(client.clientFirstMessage()).toBe(RFC.clientFirst);
    expect(client.clientFinalMessage(RFC.serverFirst)).toBe(RFC.clientFinal);
    expect(() => client.verifyServerFinal(RFC.serverFinal)).not.toThrow();
  });

  it('sends PostgreSQL\'s empty user name and 18 random bytes of nonce', () => {
    const a = new ScramClient({ password: 'pw' }).clientFirstMessage();
    const b = new ScramClient({ password: 'pw' }).clientFirstMessage();
    expect(a).toMatch(/^n,,n=,r=[A-Za-z0-9+/]{24}$/);
    expect(Buffer.from(a.slice(8), 'base64')).toHaveLength(18);
    expect(a).not.toBe(b);
  });

  it('proves the password to an independent server implementation, and checks its answer', () => {
    const client = new ScramClient({ password: 'correct horse' });
    const run = exchange(client, 'correct horse');
    expect(run.ok).toBe(true);
    expect(run.binding.toString()).toBe('n,,');
    expect(() => client.verifyServerFinal(run.serverFinal)).not.toThrow();
  });

  it('produces a proof the server rejects when the password differs', () => {
    expect(exchange(new ScramClient({ password: 'wrong' }), 'correct horse').ok).toBe(false);
  });

  it('binds to the TLS channel with SCRAM-SHA-256-PLUS', () => {
    const data = createHash('sha256').update('the server certificate').digest();
    const client = new ScramClient({ password: 'pw', channelBinding: { type: 'tls-server-end-point', data } });
    expect(client.mechanism).toBe('SCRAM-SHA-256-PLUS');
    const run = exchange(client, 'pw');
    expect(run.first.startsWith('p=tls-server-end-point,,n=,r=')).toBe(true);
    expect(run.binding).toEqual(Buffer.concat([Buffer.from('p=tls-server-end-point,,'), data]));
    expect(run.ok).toBe(true);
    expect(() => client.verifyServerFinal(run.serverFinal)).not.toThrow();
  });

  it('sends the y flag when it could bind but the server offered no -PLUS', () => {
    const client = new ScramClient({ password: 'pw', clientSupportsBinding: true });
    const run = exchange(client, 'pw');
    expect(run.first.startsWith('y,,n=,r=')).toBe(true);
    expect(run.final.startsWith('c=eSws,')).toBe(true);
    expect(run.ok).toBe(true);
  });

  it('refuses a server signature that does not prove the password', () => {
    const client = new ScramClient({ password: 'pencil', username: 'user', nonce: RFC.clientNonce });
    client.clientFirstMessage();
    client.clientFinalMessage(RFC.serverFirst);
    const forged = `v=${Buffer.alloc(32, 7).toString('base64')}`;
    expect(codeOf(() => client.verifyServerFinal(forged))).toBe('auth-scram-server-signature');
  });

  it('reports a server-final error attribute', () => {
    const client = new ScramClient({ password: 'pencil', username: 'user', nonce: RFC.clientNonce });
    client.clientFirstMessage();
    client.clientFinalMessage(RFC.serverFirst);
    let message = '';
    try {
      client.verifyServerFinal('e=invalid-proof');
    } catch (error) {
      message = (error as Error).message;
      expect((error as AuthenticationError).code).toBe('auth-scram-server-error');
    }
    expect(message).toBe('Cannot authenticate: error received from server in SCRAM exchange: invalid-proof');
  });

  const afterFirst = (): ScramClient => {
    const client = new ScramClient({ password: 'pencil', username: 'user', nonce: RFC.clientNonce });
    client.clientFirstMessage();
    return client;
  };

  it('refuses a server nonce that does not extend the client nonce', () => {
    for (const nonce of ['XOprNGfwEbeRWgbNEkqO%hvY', 'rOprNGfwEbeRWgbNEkqO', 'rOprNGfw', 'other']) {
      const first = `r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
      expect(codeOf(() => afterFirst().clientFinalMessage(first)), nonce).toBe('auth-scram-nonce');
    }
  });

  it('refuses iteration counts outside 1..2147483647', () => {
    for (const i of ['0', '-1', 'abc', '', '4096x', '2147483648', '99999999999', '01']) {
      const first = `r=${RFC.clientNonce}abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${i}`;
      expect(codeOf(() => afterFirst().clientFinalMessage(first)), i).toBe('auth-scram-iterations');
    }
  });

  it('refuses malformed server-first messages', () => {
    for (const first of [
      `r=${RFC.clientNonce}abc,i=4096`,
      `r=${RFC.clientNonce}abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,x=1`,
      `m=ext,r=${RFC.clientNonce}abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
      `r=${RFC.clientNonce}abc,s=not*base64,i=4096`,
      `r=${RFC.clientNonce}abc,s=,i=4096`,
      `s=W22ZaJ0SNY7soEsUEjb6gQ==,r=${RFC.clientNonce}abc,i=4096`,
    ]) {
      expect(codeOf(() => afterFirst().clientFinalMessage(first)), first).toBe('auth-scram-protocol');
    }
  });

  it('refuses malformed server-final messages and steps out of order', () => {
    const ready = (): ScramClient => {
      const client = afterFirst();
      client.clientFinalMessage(RFC.serverFirst);
      return client;
    };
    expect(codeOf(() => ready().verifyServerFinal(`${RFC.serverFinal},x=1`))).toBe('auth-scram-protocol');
    expect(codeOf(() => ready().verifyServerFinal('w=abc'))).toBe('auth-scram-protocol');
    expect(codeOf(() => ready().verifyServerFinal('v=***'))).toBe('auth-scram-protocol');
    expect(codeOf(() => new ScramClient({ password: 'x' }).clientFinalMessage(RFC.serverFirst)))
      .toBe('auth-scram-protocol');
    const done = ready();
    done.verifyServerFinal(RFC.serverFinal);
    expect(codeOf(() => done.verifyServerFinal(RFC.serverFinal))).toBe('auth-scram-protocol');
  });

  it('never puts the password in an error message', () => {
    const password = 'Zq9-secret-Zq9';
    const messages: string[] = [];
    for (const attempt of [
      () => new ScramClient({ password, nonce: 'bad,nonce' }),
      () => { const c = new ScramClient({ password }); c.clientFirstMessage(); c.clientFinalMessage('r=x,s=AA==,i=1'); },
      () => { const c = new ScramClient({ password, nonce: 'abc' }); c.clientFirstMessage();
        c.clientFinalMessage('r=abcd,s=AAAA,i=1'); c.verifyServerFinal('v=AAAA'); },
    ]) {
      try {
        attempt();
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(3);
    for (const m of messages) expect(m).not.toContain('Zq9');
  });
});

describe('SASLprep of the password', () => {
  it('keeps ASCII passwords as they are, control characters included', async () => {
    expect(await saslprepPassword('pencil')).toBe('pencil');
    expect(await saslprepPassword('a\u0007b\u0000')).toBe('a\u0007b\u0000');
  });

  it('maps, normalises (NFKC) and keeps the result for valid Unicode passwords', async () => {
    expect(await saslprepPassword('I\u00ADX')).toBe('IX'); // soft hyphen: mapped to nothing
    expect(await saslprepPassword('\u2168')).toBe('IX'); // ROMAN NUMERAL NINE
    expect(await saslprepPassword('a\u00A0b')).toBe('a b'); // no-break space: mapped to space
    expect(await saslprepPassword('e\u0301t\u00e9')).toBe('\u00e9t\u00e9');
  });

  it('falls back to the raw password when SASLprep refuses it, as PostgreSQL does', async () => {
    const prohibited = 'e\u0301\uFFFD'; // U+FFFD is prohibited (RFC 3454 C.6)
    expect(await saslprepPassword(prohibited)).toBe(prohibited);
    expect(await saslprepPassword('\u00AD')).toBe('\u00AD'); // maps to nothing at all
    expect(await saslprepPassword('\u0627a\u0628')).toBe('\u0627a\u0628'); // RandALCat mixed with LCat
  });

  it('makes the proof for an equivalent spelling equal (the connection prepares, then the client proves)', async () => {
    const decomposed = exchange(new ScramClient({ password: await saslprepPassword('e\u0301te\u0301') }), '\u00e9t\u00e9');
    expect(decomposed.ok).toBe(true);
    const raw = exchange(new ScramClient({ password: await saslprepPassword('e\u0301\uFFFD') }), 'e\u0301\uFFFD');
    expect(raw.ok).toBe(true);
  });
});

describe('chooseSaslMechanism', () => {
  const both = ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'];
  const tls = Buffer.alloc(32, 1);

  it('chooses -PLUS over TLS unless binding is disabled', () => {
    expect(chooseSaslMechanism({ offered: both, password: 'p', channelBinding: 'prefer',
      tlsServerEndPoint: tls }).mechanism).toBe('SCRAM-SHA-256-PLUS');
    const disabled = chooseSaslMechanism({ offered: both, password: 'p', channelBinding: 'disable',
      tlsServerEndPoint: tls });
    expect(disabled.mechanism).toBe('SCRAM-SHA-256');
    expect(disabled.clientFirstMessage().startsWith('n,,')).toBe(true);
  });

  it('uses plain SCRAM with the y flag over TLS when -PLUS is not offered', () => {
    const client = chooseSaslMechanism({ offered: ['SCRAM-SHA-256'], password: 'p',
      channelBinding: 'prefer', tlsServerEndPoint: tls });
    expect(client.clientFirstMessage().startsWith('y,,')).toBe(true);
    const plain = chooseSaslMechanism({ offered: both, password: 'p', channelBinding: 'prefer' });
    expect(plain.clientFirstMessage().startsWith('n,,')).toBe(true);
  });

  it('refuses when channel_binding=require cannot be met, or nothing is known', () => {
    expect(codeOf(() => chooseSaslMechanism({ offered: both, password: 'p', channelBinding: 'require' })))
      .toBe('auth-channel-binding');
    expect(codeOf(() => chooseSaslMechanism({ offered: ['SCRAM-SHA-256'], password: 'p',
      channelBinding: 'require', tlsServerEndPoint: tls }))).toBe('auth-channel-binding');
    expect(codeOf(() => chooseSaslMechanism({ offered: ['OAUTHBEARER'], password: 'p',
      channelBinding: 'prefer' }))).toBe('auth-unsupported-method');
  });
});
