import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

import { AuthenticationError, AuthenticationErrorCode } from './authentication-error.js';
import {
  decodeBase64, encodeSaslName, isPrintableNonce, readAttributes,
} from './scram-messages.js';

export interface ScramChannelBinding {
  readonly type: 'tls-server-end-point';
  /** The hash of the server's certificate (RFC 5929), from the TLS layer. */
  readonly data: Buffer;
}

export interface ScramClientOptions {
  /** Already SASLprep'ed (saslprep.ts): the caller may await that, the constructor may not. */
  readonly password: string;
  /** Given: SCRAM-SHA-256-PLUS bound to this TLS channel. */
  readonly channelBinding?: ScramChannelBinding;
  /** TLS is in use and binding allowed, but the server offered no -PLUS: send the `y` flag so
   * a man in the middle that stripped -PLUS from the server's list is detected. */
  readonly clientSupportsBinding?: boolean;
  /** Tests only: a fixed client nonce (printable ASCII without `,`). */
  readonly nonce?: string;
  /** The SCRAM user name; PostgreSQL ignores it and libpq sends it empty. */
  readonly username?: string;
}

/** PostgreSQL accepts scram_iterations 1..INT_MAX; a server outside that range is broken. */
export const SCRAM_MAX_ITERATIONS = 2147483647;

const NONCE_BYTES = 18;

const hmac = (key: Buffer, text: string | Buffer): Buffer => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();
const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((byte, i) => byte ^ (b[i] as number)));

type Stage = 'initial' | 'first-sent' | 'final-sent' | 'done';

/**
 * The client side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) as PostgreSQL
 * speaks it: an empty user name, 18 random bytes of nonce, and `tls-server-end-point` binding.
 * Feed it the server's messages in order; each step throws AuthenticationError on anything
 * that would let a server that does not know the password pass as one that does.
 */
export class ScramClient {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-256-PLUS';
  readonly #password: string;
  readonly #gs2Header: string;
  readonly #bindingData: Buffer;
  readonly #clientNonce: string;
  readonly #clientFirstBare: string;
  #stage: Stage = 'initial';
  #expectedServerSignature: Buffer | undefined;

  constructor(options: ScramClientOptions) {
    this.#password = options.password;
    if (options.channelBinding !== undefined) {
      this.mechanism = 'SCRAM-SHA-256-PLUS';
      this.#gs2Header = `p=${options.channelBinding.type},,`;
      this.#bindingData = options.channelBinding.data;
    } else {
      this.mechanism = 'SCRAM-SHA-256';
      this.#gs2Header = options.clientSupportsBinding === true ? 'y,,' : 'n,,';
      this.#bindingData = Buffer.alloc(0);
    }
    const nonce = options.nonce ?? randomBytes(NONCE_BYTES).toString('base64');
    if (!isPrintableNonce(nonce)) {
      throw new AuthenticationError(AuthenticationErrorCode.scramProtocol,
        'Cannot authenticate: the SCRAM client nonce must be printable ASCII without ","');
    }
    this.#clientNonce = nonce;
    this.#clientFirstBare = `n=${encodeSaslName(options.username ?? '')},r=${nonce}`;
  }

  /** client-first-message: GS2 header + `n=,r=<nonce>`. */
  clientFirstMessage(): string {
    this.#advance('initial', 'first-sent');
    return this.#gs2Header + this.#clientFirstBare;
  }

  /** Checks server-first-message and answers with client-final-message (with the proof). */
  clientFinalMessage(serverFirst: string): string {
    const final = this.#prepareFinal(serverFirst);
    return this.#finish(final, pbkdf2Sync(this.#password, final.salt, final.iterations, 32, 'sha256'));
  }

  /**
   * The same, with the key derivation on libuv's thread pool: a server may demand up to
   * 2^31-1 iterations (minutes of hashing), and on the event loop that would leave
   * connect_timeout and SIGTERM without effect until it ended.
   */
  async clientFinalMessageAsync(serverFirst: string): Promise<string> {
    const final = this.#prepareFinal(serverFirst);
    const salted = await new Promise<Buffer>((resolve, reject) => {
      pbkdf2(this.#password, final.salt, final.iterations, 32, 'sha256', (error, key) => (error ? reject(error) : resolve(key)));
    });
    return this.#finish(final, salted);
  }

  #prepareFinal(serverFirst: string): { salt: Buffer; iterations: number; withoutProof: string; authMessage: string } {
    this.#advance('first-sent', 'final-sent');
    const [nonce, saltText, iterationText] = readAttributes(
      serverFirst, ['r', 's', 'i'], 'server-first-message',
    ) as [string, string, string];
    if (nonce.length <= this.#clientNonce.length || !nonce.startsWith(this.#clientNonce) ||
      !isPrintableNonce(nonce)) {
      throw new AuthenticationError(AuthenticationErrorCode.scramNonce,
        'Cannot authenticate: invalid SCRAM response (nonce mismatch)');
    }
    const salt = decodeBase64(saltText, 'the salt');
    if (salt.length === 0) {
      throw new AuthenticationError(AuthenticationErrorCode.scramProtocol,
        'Cannot authenticate: malformed SCRAM message (empty salt)');
    }
    const iterations = /^[1-9][0-9]{0,9}$/.test(iterationText) ? Number(iterationText) : 0;
    if (iterations < 1 || iterations > SCRAM_MAX_ITERATIONS) {
      throw new AuthenticationError(AuthenticationErrorCode.scramIterations,
        `Cannot authenticate: malformed SCRAM message (invalid iteration count "${iterationText.slice(0, 20)}")`);
    }
    const channelBinding = Buffer.concat([Buffer.from(this.#gs2Header, 'ascii'), this.#bindingData]);
    const withoutProof = `c=${channelBinding.toString('base64')},r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    return { salt, iterations, withoutProof, authMessage };
  }

  #finish(final: { withoutProof: string; authMessage: string }, saltedPassword: Buffer): string {
    const clientKey = hmac(saltedPassword, 'Client Key');
    const clientSignature = hmac(sha256(clientKey), final.authMessage);
    const proof = xor(clientKey, clientSignature);
    this.#expectedServerSignature = hmac(hmac(saltedPassword, 'Server Key'), final.authMessage);
    return `${final.withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks server-final-message: the server must prove it knows the password too. */
  verifyServerFinal(serverFinal: string): void {
    this.#advance('final-sent', 'done');
    if (serverFinal.startsWith('e=')) {
      throw new AuthenticationError(AuthenticationErrorCode.scramServerError,
        `Cannot authenticate: error received from server in SCRAM exchange: ${serverFinal.slice(2, 200)}`);
    }
    const [signatureText] = readAttributes(serverFinal, ['v'], 'server-final-message') as [string];
    const signature = decodeBase64(signatureText, 'the server signature');
    const expected = this.#expectedServerSignature as Buffer;
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new AuthenticationError(AuthenticationErrorCode.scramServerSignature,
        'Cannot authenticate: incorrect server signature',
        { hint: 'The server does not know the password: it may not be the server you meant.' });
    }
  }

  #advance(from: Stage, to: Stage): void {
    if (this.#stage !== from) {
      throw new AuthenticationError(AuthenticationErrorCode.scramProtocol,
        `Cannot authenticate: SCRAM step out of order (at ${this.#stage}, expected ${from})`);
    }
    this.#stage = to;
  }
}
