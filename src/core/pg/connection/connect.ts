import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WarmstandbyError } from '../../errors.js';
import { lookupPgpass } from '../conninfo/pgpass.js';
import type { ConnectionTarget, ResolvedConnection } from '../conninfo/resolve.js';
import { targetsInConnectOrder } from '../conninfo/targets.js';
import { ConnectDeadline } from './connect-deadline.js';
import { ConnectionError, ConnectionErrorCode, PgServerError } from './errors.js';
import { MessageChannel } from './message-channel.js';
import { PgConnection } from './pg-connection.js';
import { checkSessionAttributes, checkReplicationParameters } from './server-checks.js';
import { SocketReads } from './socket-reads.js';
import { addressAttempts } from './target-addresses.js';
import { type PasswordSource, StartupServerError, runStartup } from './startup.js';
import { buildTlsOptions } from './tls-options.js';
import { describeTarget, openSocket, requestSsl, startTls } from './transport.js';

export interface ConnectOptions {
  readonly resolved: ResolvedConnection;
  /** Asked only when the server wants a password and none is known (-W / interactive). */
  readonly promptPassword?: () => Promise<string>;
  readonly signal?: AbortSignal;
  /** Receives libpq-style warnings (an insecure .pgpass); nothing is printed here. */
  readonly onWarning?: (message: string) => void;
  /** Bound on received, unconsumed bytes before the socket is paused (default 8 MB). */
  readonly receiveBufferBytes?: number;
}

/** How one attempt treats TLS: libpq's sslmode decides the sequence of attempts. */
const TlsUse = { never: 'never', required: 'required', optional: 'optional' } as const;
type TlsUse = (typeof TlsUse)[keyof typeof TlsUse];

/** The attempts for one target; a later one runs only when retryable() says so. */
const attemptsFor = (sslmode: ResolvedConnection['sslmode'], target: ConnectionTarget): TlsUse[] => {
  // libpq never negotiates TLS over a unix socket, whatever sslmode says.
  if (target.socketPath !== undefined || sslmode === 'disable') return [TlsUse.never];
  if (sslmode === 'allow') return [TlsUse.never, TlsUse.optional];
  if (sslmode === 'prefer') return [TlsUse.optional, TlsUse.never];
  return [TlsUse.required];
};

/** Why an attempt failed, and whether libpq would try again on the same host. */
class AttemptFailure extends Error {
  constructor(
    readonly original: unknown,
    /** handshake: the TLS handshake; server: an ErrorResponse during startup. */
    readonly stage: 'handshake' | 'server' | 'other',
    readonly usedTls: boolean,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** libpq: allow retries with TLS after a server error without it; prefer retries without
 * TLS after a failed handshake or a server error over TLS. */
const retryable = (sslmode: ResolvedConnection['sslmode'], failure: AttemptFailure): boolean => {
  if (sslmode === 'allow') return failure.stage === 'server' && !failure.usedTls;
  if (sslmode === 'prefer') return failure.usedTls && failure.stage !== 'other';
  return false;
};

/**
 * Connects to the first target that accepts us, trying them in order like libpq (a random
 * order with load_balance_hosts=random). For each target: TCP or unix socket, SSLRequest per
 * sslmode (or TLS at once with sslnegotiation=direct), the startup and authentication
 * exchange, then the checks a replication or target_session_attrs connection needs.
 */
export async function connect(options: ConnectOptions): Promise<PgConnection> {
  const { resolved } = options;
  const prompted: { password?: string } = {};
  const passes = resolved.targetSessionAttrs === 'prefer-standby' ? ['standby', 'any'] as const
    : [resolved.targetSessionAttrs] as const;
  const failures: Error[] = [];
  for (const wanted of passes) {
    for (const host of targetsInConnectOrder(resolved.targets, resolved.loadBalanceHosts)) {
      // Resolved as each host's turn comes, as libpq does: one slow name delays no other.
      for (const target of await addressAttempts(host, resolved.loadBalanceHosts)) {
        try {
          const connection = await connectTarget(target, options, prompted);
          try {
            checkReplicationParameters(connection, resolved);
            checkSessionAttributes(connection, wanted);
          } catch (error) {
            await connection.close();
            throw withPrefix(error, describeTarget(target));
          }
          return connection;
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          if (failure instanceof ConnectionError && failure.code === ConnectionErrorCode.aborted) throw failure;
          failures.push(failure);
        }
      }
    }
  }
  const last = failures[failures.length - 1] as Error;
  if (failures.length > 1) last.message = failures.map((f) => f.message).join('\n');
  throw last;
}

const connectTarget = async (
  target: ConnectionTarget,
  options: ConnectOptions,
  prompted: { password?: string },
): Promise<PgConnection> => {
  const { resolved } = options;
  const deadline = new ConnectDeadline(resolved.connectTimeoutMs, options.signal);
  let fromPassfile = false;
  const password: PasswordSource = {
    get: async () => {
      if (resolved.password !== undefined) return resolved.password;
      if (prompted.password !== undefined) return prompted.password;
      const stored = await lookupPgpass(
        resolved.passfile,
        { host: target.host, port: target.port, database: resolved.database, user: resolved.user },
        options.onWarning === undefined ? {} : { onWarning: options.onWarning },
      );
      if (stored !== undefined) {
        fromPassfile = true;
        return stored;
      }
      if (options.promptPassword === undefined) return undefined;
      deadline.pause();
      try {
        prompted.password = await options.promptPassword();
      } finally {
        deadline.resume();
      }
      return prompted.password;
    },
  };
  const attempts = attemptsFor(resolved.sslmode, target);
  try {
    for (let i = 0; ; i++) {
      let address: string | undefined;
      try {
        deadline.check();
        return await attempt(target, attempts[i] as TlsUse, options, deadline, password, (a) => {
          address = a;
        });
      } catch (caught) {
        const failure = caught instanceof AttemptFailure ? caught : new AttemptFailure(caught, 'other', false);
        const expired = deadline.expired;
        if (expired === undefined && i + 1 < attempts.length && retryable(resolved.sslmode, failure)) continue;
        const passfile = fromPassfile ? resolved.passfile : undefined;
        address ??= addressOf(failure.original);
        throw finalError(expired ?? failure.original, describeTarget(target, address), passfile);
      }
    }
  } finally {
    deadline.dispose();
  }
};

const attempt = async (
  target: ConnectionTarget,
  use: TlsUse,
  options: ConnectOptions,
  deadline: ConnectDeadline,
  password: PasswordSource,
  reportAddress: (address: string | undefined) => void,
): Promise<PgConnection> => {
  const { resolved } = options;
  const tlsOptions = use === TlsUse.never ? undefined : await buildTlsOptions(resolved, target);
  // Without TLS the socket reads into buffers SocketReads may reuse (node:tls cannot).
  const reads = tlsOptions === undefined ? new SocketReads() : undefined;
  const socket = await openSocket(target, deadline.watch, reads);
  reportAddress(socket.remoteAddress);
  let stream: Socket = socket;
  let tlsSocket: TLSSocket | undefined;
  try {
    if (tlsOptions !== undefined) {
      // sslnegotiation=direct: no SSLRequest; the server (17 and later) knows a PostgreSQL
      // client by the ALPN protocol it must agree to.
      const direct = resolved.sslnegotiation === 'direct';
      const answer = direct ? 'S' : await requestSsl(socket);
      if (answer === 'S') {
        try {
          tlsSocket = await startTls(socket, tlsOptions, deadline.watch);
        } catch (error) {
          throw new AttemptFailure(direct ? withDirectSslHint(error) : error, 'handshake', true);
        }
        if (direct && tlsSocket.alpnProtocol !== 'postgresql') {
          tlsSocket.destroy();
          throw new ConnectionError(ConnectionErrorCode.tlsFailed, 'direct SSL connection was established without ALPN protocol negotiation extension');
        }
        stream = tlsSocket;
      } else if (resolved.sslmode !== 'allow' && resolved.sslmode !== 'prefer') {
        throw new ConnectionError(ConnectionErrorCode.tlsRequired, 'server does not support SSL, but SSL was required');
      }
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }
  const channel = new MessageChannel(stream, options.receiveBufferBytes, reads);
  const connection = new PgConnection({ channel, target, tls: tlsSocket !== undefined });
  try {
    const outcome = await runStartup(connection.startupSession(), resolved, tlsSocket, password);
    connection.adoptStartup(outcome.backendPid, outcome.authMethod);
    return connection;
  } catch (error) {
    channel.fail(error instanceof Error ? error : new Error(String(error)));
    throw new AttemptFailure(error, error instanceof StartupServerError ? 'server' : 'other', tlsSocket !== undefined);
  }
};

/**
 * A server before PostgreSQL 17 reads a direct TLS handshake as a malformed startup packet
 * and hangs up, which node:tls reports as a lost socket: say what the likely cause is.
 */
const withDirectSslHint = (error: unknown): unknown => {
  if (!(error instanceof ConnectionError) || error.hint !== undefined) return error;
  return new ConnectionError(error.code as ConnectionErrorCode, error.message, {
    cause: error.cause ?? error,
    hint: 'sslnegotiation=direct needs a PostgreSQL 17 or later server; older ones accept TLS only after an SSLRequest (sslnegotiation=postgres).',
  });
};

/** The address a refused or unreachable connection was aimed at (node puts it on the error). */
const addressOf = (error: unknown): string | undefined => {
  const cause = error instanceof Error ? (error.cause as { address?: unknown } | undefined) : undefined;
  return typeof cause?.address === 'string' ? cause.address : undefined;
};

/** libpq prefixes every failure with where it tried to connect. */
const finalError = (error: unknown, prefix: string, passfile: string | undefined): Error => {
  if (error instanceof StartupServerError) {
    return new PgServerError(error.fields, {
      prefix,
      ...(passfile === undefined ? {} : { hint: `The password was read from "${passfile}".` }),
    });
  }
  return withPrefix(error, prefix);
};

const withPrefix = (error: unknown, prefix: string): Error => {
  if (error instanceof WarmstandbyError) {
    error.message = `${prefix}${error.message}`;
    return error;
  }
  return new ConnectionError(ConnectionErrorCode.failed, `${prefix}${String(error instanceof Error ? error.message : error)}`, {
    cause: error,
  });
};
