import type { TLSSocket } from 'node:tls';
import { type AuthRequest, checkAuthRequest } from '../auth/auth-requirements.js';
import { AuthenticationError, AuthenticationErrorCode } from '../auth/authentication-error.js';
import { chooseSaslMechanism } from '../auth/choose-sasl-mechanism.js';
import { saslprepPassword } from '../auth/saslprep.js';
import { md5PasswordMessage } from '../auth/md5.js';
import type { ScramClient } from '../auth/scram.js';
import type { ResolvedConnection } from '../conninfo/resolve.js';
import {
  passwordMessage,
  saslInitialResponse,
  saslResponse,
  startupMessage,
} from '../protocol/frontend.js';
import { tlsServerEndPoint } from './channel-binding.js';
import type { PgServerError } from './errors.js';
import type { Session } from './session.js';

/** Where a password comes from, asked only when the server wants one. */
export interface PasswordSource {
  /** The password, or undefined if none is known and no prompt is possible. */
  get(): Promise<string | undefined>;
}

/** How the server authenticated us: 'trust' when it asked for nothing. */
export type AuthMethodUsed = 'trust' | 'password' | 'md5' | 'SCRAM-SHA-256' | 'SCRAM-SHA-256-PLUS';

export interface StartupOutcome {
  readonly backendPid: number;
  readonly authMethod: AuthMethodUsed;
}

/** An ErrorResponse during startup: sslmode allow/prefer retry on it, libpq-style. */
export class StartupServerError extends Error {
  constructor(readonly fields: PgServerError['fields']) {
    super(fields['M'] ?? 'server error during startup');
  }
}

/** The password the server asked for; libpq's message when there is none. */
const requiredPassword = async (source: PasswordSource): Promise<string> => {
  const value = await source.get();
  if (value === undefined || value === '') {
    throw new AuthenticationError(AuthenticationErrorCode.passwordRequired, 'fe_sendauth: no password supplied');
  }
  return value;
};

/**
 * StartupMessage, the authentication exchange, then BackendKeyData / ParameterStatus up to
 * the first ReadyForQuery. ErrorResponse becomes a StartupServerError so the caller can
 * decide about a retry (sslmode allow/prefer) and add libpq's "connection to server" prefix.
 */
export const runStartup = async (
  session: Session,
  resolved: ResolvedConnection,
  tlsSocket: TLSSocket | undefined,
  password: PasswordSource,
): Promise<StartupOutcome> => {
  const during = 'authenticate';
  session.send(startupMessage(resolved.startupParameters));
  let scram: ScramClient | undefined;
  let saslVerified = false;
  let authenticated = false;
  let backendPid = 0;
  let authMethod: AuthMethodUsed = 'trust';
  // libpq's check_expected_areq: judged before anything is sent back, so a server asking for
  // a password in a way the connection forbids never gets it.
  const allowed = (request: AuthRequest): void =>
    checkAuthRequest(request, resolved.channelBinding, resolved.requireAuth);
  const needPassword = (): Promise<string> => requiredPassword(password);
  for (;;) {
    const message = await session.read();
    switch (message.type) {
      case 'errorResponse':
        throw new StartupServerError(message.fields);
      case 'authenticationCleartextPassword':
        if (authenticated) break;
        allowed('password');
        session.send(passwordMessage(await needPassword()));
        authMethod = 'password';
        continue;
      case 'authenticationMD5Password':
        if (authenticated) break;
        allowed('md5');
        session.send(passwordMessage(md5PasswordMessage(resolved.user, await needPassword(), message.salt)));
        authMethod = 'md5';
        continue;
      case 'authenticationSASL': {
        if (authenticated || scram !== undefined) break;
        allowed('sasl');
        scram = await beginScram(message.mechanisms, resolved, tlsSocket, await needPassword());
        session.send(saslInitialResponse(scram.mechanism, Buffer.from(scram.clientFirstMessage(), 'utf8')));
        authMethod = scram.mechanism;
        continue;
      }
      case 'authenticationSASLContinue': {
        if (scram === undefined || saslVerified) break;
        // Up to 2^31-1 iterations, hashed off the event loop: a deadline or abort ends the wait.
        const final = await session.channel.whileOpen(scram.clientFinalMessageAsync(message.data.toString('utf8')));
        session.send(saslResponse(Buffer.from(final, 'utf8')));
        continue;
      }
      case 'authenticationSASLFinal':
        if (scram === undefined || saslVerified) break;
        scram.verifyServerFinal(message.data.toString('utf8'));
        saslVerified = true;
        continue;
      case 'authenticationOk':
        if (authenticated) break;
        if (authMethod === 'trust') allowed('none');
        checkScramCompleted(scram, saslVerified, resolved);
        authenticated = true;
        continue;
      case 'authenticationUnsupported':
        throw new AuthenticationError(
          AuthenticationErrorCode.unsupportedMethod,
          `Cannot authenticate: the server asked for an authentication method this client does not support (request ${message.code})`,
        );
      case 'backendKeyData':
        if (!authenticated) break;
        backendPid = message.processId;
        continue;
      case 'readyForQuery':
        if (!authenticated) break;
        return { backendPid, authMethod };
      default:
        break;
    }
    throw session.unexpected(message, during);
  }
};

/** The SCRAM client for the mechanisms offered, bound to the TLS channel where it can be. */
const beginScram = async (
  offered: readonly string[],
  resolved: ResolvedConnection,
  tlsSocket: TLSSocket | undefined,
  password: string,
): Promise<ScramClient> => {
  const secret = await saslprepPassword(password);
  const binding = tlsSocket !== undefined && resolved.channelBinding !== 'disable' && offered.includes('SCRAM-SHA-256-PLUS')
    ? serverEndPoint(tlsSocket, resolved.channelBinding === 'require')
    : undefined;
  return chooseSaslMechanism({
    offered,
    password: secret,
    channelBinding: resolved.channelBinding,
    usesTls: tlsSocket !== undefined,
    ...(binding === undefined ? {} : { tlsServerEndPoint: binding }),
  });
};

/** AuthenticationOk after SASL counts only if the server proved itself, bound if required. */
const checkScramCompleted = (scram: ScramClient | undefined, verified: boolean, resolved: ResolvedConnection): void => {
  if (scram !== undefined && !verified) {
    throw new AuthenticationError(
      AuthenticationErrorCode.scramProtocol,
      'Cannot authenticate: the server ended the SASL exchange without proving it knows the password',
    );
  }
  if (resolved.channelBinding === 'require' && scram?.mechanism !== 'SCRAM-SHA-256-PLUS') {
    throw new AuthenticationError(
      AuthenticationErrorCode.channelBinding,
      'Cannot authenticate: channel binding required, but server authenticated client without channel binding',
    );
  }
};

/** tls-server-end-point data; with binding merely preferred, a certificate we cannot hash
 * means no binding rather than no connection. */
const serverEndPoint = (socket: TLSSocket, required: boolean): Buffer | undefined => {
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return undefined;
  try {
    return tlsServerEndPoint(certificate.raw);
  } catch (error) {
    if (required) throw error;
    return undefined;
  }
};
