import { type Socket, connect as netConnect, isIP } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { ProtocolError } from '../../errors.js';
import type { ConnectionTarget } from '../conninfo/resolve.js';
import { sslRequest } from '../protocol/frontend.js';
import { ConnectionError, ConnectionErrorCode } from './errors.js';
import type { SocketReads } from './socket-reads.js';

/** libpq's wording for where it tried to connect, used as the prefix of every failure. */
export const describeTarget = (target: ConnectionTarget, address?: string): string => {
  if (target.socketPath !== undefined) {
    return `connection to server on socket "${target.socketPath.replace(/^\0/, '@')}" failed: `;
  }
  const shownAddress = address ?? target.hostaddr;
  const suffix = shownAddress !== undefined && shownAddress !== target.host ? ` (${shownAddress})` : '';
  return `connection to server at "${target.host}"${suffix}, port ${target.port} failed: `;
};

/**
 * Opens a TCP or unix-socket connection; `register` lets the caller destroy it on timeout.
 * With `reads` (a connection that will not negotiate TLS) reads go through it, not 'data'.
 */
export const openSocket = (
  target: ConnectionTarget,
  register: (socket: Socket) => void,
  reads?: SocketReads,
): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const onread = reads === undefined ? {} : { onread: reads.onread };
    const socket =
      target.socketPath !== undefined
        ? netConnect({ path: target.socketPath, ...onread })
        : netConnect({ host: target.hostaddr ?? target.host, port: target.port, ...onread });
    register(socket);
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.destroy();
      reject(socketFailure(error, target));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.setNoDelay(true);
      if (target.socketPath === undefined) socket.setKeepAlive(true);
      resolve(socket);
    });
  });

const socketFailure = (error: NodeJS.ErrnoException, target?: ConnectionTarget): Error => {
  if (error instanceof ConnectionError) return error;
  const hint =
    target === undefined || (error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT')
      ? undefined
      : target.socketPath !== undefined
        ? 'Is the server running locally and accepting connections on that socket?'
        : 'Is the server running on that host and accepting TCP/IP connections?';
  const reason =
    error.code === 'ECONNREFUSED'
      ? 'Connection refused'
      : error.code === 'ENOENT'
        ? 'No such file or directory'
        : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
          ? 'could not translate host name to address: Name or service not known'
          : error.message;
  return new ConnectionError(ConnectionErrorCode.failed, reason, {
    cause: error,
    ...(hint === undefined ? {} : { hint }),
  });
};

/** The server's one-byte answer to SSLRequest. */
export type SslAnswer = 'S' | 'N';

/**
 * Sends SSLRequest and reads the single answer byte. Bytes after an 'S' would have arrived
 * unencrypted before the handshake: a man in the middle could inject them (CVE-2021-23222),
 * so they are refused.
 */
export const requestSsl = (socket: Socket): Promise<SslAnswer> =>
  new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.pause();
    };
    const onData = (chunk: Buffer): void => {
      cleanup();
      const answer = String.fromCharCode(chunk[0] ?? 0);
      if (answer === 'S' && chunk.length === 1) resolve('S');
      else if (answer === 'S') reject(new ProtocolError('received unencrypted data after SSL response'));
      else if (answer === 'N') {
        // Anything after 'N' is the start of the ordinary message stream: give it back.
        if (chunk.length > 1) socket.unshift(chunk.subarray(1));
        resolve('N');
      } else if (answer === 'E') {
        reject(new ConnectionError(ConnectionErrorCode.failed, 'server sent an error response during SSL exchange'));
      } else {
        reject(new ProtocolError(`received invalid response to SSL negotiation: ${JSON.stringify(answer)}`));
      }
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(socketFailure(error));
    };
    const onClose = (): void => {
      cleanup();
      reject(new ConnectionError(ConnectionErrorCode.lost, 'server closed the connection during SSL negotiation'));
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(sslRequest());
  });

/**
 * Runs the TLS handshake on an SSL-accepted socket with the options tls-options.ts built.
 * node:tls loads here, on first use: a tool on a unix socket never pays for it.
 */
export const startTls = async (
  socket: Socket,
  options: ConnectionOptions,
  register: (socket: Socket) => void,
): Promise<TLSSocket> => {
  const { connect: tlsConnect } = await import('node:tls');
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({ ...options, socket });
    register(secure);
    const onError = (error: NodeJS.ErrnoException): void => {
      secure.destroy();
      reject(tlsFailure(error));
    };
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      secure.off('error', onError);
      resolve(secure);
    });
  });
};

const VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'INVALID_CA', 'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH',
]);

const tlsFailure = (error: NodeJS.ErrnoException): Error => {
  if (error instanceof ConnectionError || error instanceof ProtocolError) return error;
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ConnectionError(ConnectionErrorCode.tlsVerification, error.message.replace(/\.$/, ''), {
      cause: error,
    });
  }
  if (error.code !== undefined && VERIFY_CODES.has(error.code)) {
    return new ConnectionError(
      ConnectionErrorCode.tlsVerification,
      `SSL error: certificate verify failed (${error.message})`,
      { cause: error },
    );
  }
  return new ConnectionError(ConnectionErrorCode.tlsFailed, `SSL error: ${error.message}`, { cause: error });
};

/** SNI carries host names only (libpq's sslsni): never an IP address. */
export const sniName = (host: string): string | undefined => (isIP(host) === 0 ? host : undefined);
