import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { negotiateApiVersion, versionedPath } from './api-version.js';
import type { DockerEndpoint } from './endpoint.js';
import { DaemonUnreachableError, DockerApiError } from './errors.js';

/** The largest Engine API answer read whole (container lists of thousands fit easily). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface EngineResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type QueryValue = string | number | boolean | undefined;

export interface EngineRequestOptions {
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A Buffer or stream is sent as is; anything else as JSON. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Prefix the path with `/v<negotiated>` (default true; /_ping is never versioned). */
  readonly versioned?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface PingResult {
  readonly apiVersion: string | undefined;
  readonly osType: string | undefined;
  readonly server: string | undefined;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A small Engine API client over a unix socket or TCP (+TLS). It negotiates the API version
 * from /_ping and sends every other request to a versioned path (/v1.41/info), so a newer
 * daemon answers in the shape this client understands.
 */
export class EngineClient {
  readonly endpoint: DockerEndpoint;
  readonly timeoutMs: number;
  #version: string | undefined;

  constructor(endpoint: DockerEndpoint, options: { readonly timeoutMs?: number } = {}) {
    this.endpoint = endpoint;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The negotiated API version (after `negotiate()`). */
  get apiVersion(): string | undefined {
    return this.#version;
  }

  async ping(): Promise<PingResult> {
    const response = await this.request('GET', '/_ping', { versioned: false });
    if (response.statusCode !== 200) throw apiError('GET', '/_ping', response);
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    return { apiVersion: header('api-version'), osType: header('ostype'), server: header('server') };
  }

  /** Pings the daemon and fixes the API version every later request uses. */
  async negotiate(): Promise<PingResult> {
    const ping = await this.ping();
    const negotiated = negotiateApiVersion(ping.apiVersion);
    if (!negotiated.ok) {
      throw new DaemonUnreachableError(`Cannot use the Docker daemon at ${this.endpoint.url}: ${negotiated.reason}`, {
        code: 'api-version',
      });
    }
    this.#version = negotiated.version;
    return ping;
  }

  async getJson<T>(path: string, query?: Readonly<Record<string, QueryValue>>): Promise<T> {
    return this.json<T>('GET', path, query === undefined ? {} : { query });
  }

  /** Sends the request and parses a JSON answer; an error status becomes a DockerApiError. */
  async json<T>(method: string, path: string, options: EngineRequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    if (response.statusCode >= 400) throw apiError(method, path, response);
    if (response.body.length === 0) return undefined as T;
    return JSON.parse(response.body.toString('utf8')) as T;
  }

  /** The whole answer, buffered. */
  async request(method: string, path: string, options: EngineRequestOptions = {}): Promise<EngineResponse> {
    const message = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    const timer = this.startTimer(options, message);
    let size = 0;
    try {
      for await (const chunk of message) {
        size += (chunk as Buffer).length;
        // Every answer we ask for is a few kB of JSON; an endless body is not one of them.
        if (size > MAX_RESPONSE_BYTES) {
          message.destroy();
          throw new DaemonUnreachableError(
            `Cannot read the Engine API's answer to ${method} ${path}: more than ${MAX_RESPONSE_BYTES / (1024 * 1024)} MiB`,
            { code: 'docker-response-too-large' },
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof DaemonUnreachableError) throw error;
      throw this.unreachable(error, options);
    } finally {
      clearTimeout(timer);
    }
    return { statusCode: message.statusCode ?? 0, headers: message.headers, body: Buffer.concat(chunks) };
  }

  /**
   * Opens a streaming request (GET /events) and resolves once the daemon sent its headers;
   * the caller reads the body and destroys the message to stop.
   */
  async open(method: string, path: string, options: EngineRequestOptions = {}): Promise<IncomingMessage> {
    const fullPath = this.fullPath(path, options);
    const { body, contentType } = encodeBody(options);
    return new Promise<IncomingMessage>((resolve, reject) => {
      const request = this.transportRequest(method, fullPath, contentType);
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => request.destroy(new TimeoutError(timeoutMs)), timeoutMs);
      const onAbort = (): void => {
        request.destroy(new Error('aborted'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('response', (message) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(message);
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        reject(this.unreachable(error, options));
      });
      if (body instanceof Readable) body.pipe(request);
      else request.end(body);
    });
  }

  private fullPath(path: string, options: EngineRequestOptions): string {
    const versioned = options.versioned ?? path !== '/_ping';
    if (versioned && this.#version === undefined) throw new Error('negotiate() must run before versioned requests');
    const base = versioned && this.#version !== undefined ? versionedPath(this.#version, path) : path;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    const text = query.toString();
    return text === '' ? base : `${base}?${text}`;
  }

  private transportRequest(method: string, path: string, contentType: string | undefined): http.ClientRequest {
    const headers: Record<string, string> = { 'User-Agent': 'warmstandby-live-restore' };
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    const endpoint = this.endpoint;
    if (endpoint.kind === 'unix') {
      // A socket has no host name; the Docker CLI sends "docker" too.
      return http.request({ socketPath: endpoint.socketPath, path, method, headers: { ...headers, Host: 'docker' }, agent: false });
    }
    if (endpoint.tls === undefined) {
      return http.request({ host: endpoint.host, port: endpoint.port, path, method, headers, agent: false });
    }
    const { tls } = endpoint;
    return https.request({
      host: endpoint.host,
      port: endpoint.port,
      path,
      method,
      headers,
      agent: false,
      rejectUnauthorized: tls.verify,
      ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    });
  }

  private startTimer(options: EngineRequestOptions, message: IncomingMessage): NodeJS.Timeout {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return setTimeout(() => message.destroy(new TimeoutError(timeoutMs)), timeoutMs);
  }

  private unreachable(error: unknown, options: EngineRequestOptions): Error {
    if (error instanceof DaemonUnreachableError) return error;
    if (options.signal?.aborted === true) return options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted');
    return unreachableError(this.endpoint.url, error);
  }
}

class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
  }
}

const reasons: Readonly<Record<string, string>> = {
  ENOENT: 'no such socket (is dockerd running?)',
  ECONNREFUSED: 'connection refused (is dockerd running?)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ECONNRESET: 'the daemon closed the connection',
  ENOTSOCK: 'not a socket',
};

export const unreachableError = (url: string, error: unknown): DaemonUnreachableError => {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? reasons[code] : undefined;
  // OpenSSL's own text names source files; its short `reason` is what a user needs.
  const sslReason = typeof code === 'string' && code.startsWith('ERR_SSL_') ? (error as { reason?: unknown }).reason : undefined;
  const reason =
    known ??
    (typeof sslReason === 'string'
      ? `TLS handshake failed: ${sslReason}${/certificate/.test(sslReason) ? ' (the daemon may require a client certificate: cert.pem and key.pem in DOCKER_CERT_PATH)' : ''}`
      : error instanceof Error
        ? error.message
        : String(error));
  const denied = code === 'EACCES' || code === 'EPERM';
  return new DaemonUnreachableError(`Cannot connect to the Docker daemon at ${url}: ${reason}`, {
    code: denied ? 'permission-denied' : 'daemon-unreachable',
    cause: error,
    hint: denied
      ? 'Run as root or as a member of the group that owns the socket (usually "docker").'
      : 'Start dockerd, or name its socket with -H or DOCKER_HOST.',
  });
};

const apiError = (method: string, path: string, response: EngineResponse): DockerApiError => {
  let reason = response.body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(reason) as { message?: unknown };
    if (typeof parsed.message === 'string') reason = parsed.message;
  } catch {
    // Not JSON: keep the text.
  }
  return new DockerApiError(`Cannot ${method} ${path}: ${reason || 'no reason given'} (HTTP ${response.statusCode})`, response.statusCode);
};

const encodeBody = (options: EngineRequestOptions): { body: Buffer | Readable | undefined; contentType: string | undefined } => {
  const { body } = options;
  if (body === undefined) return { body: undefined, contentType: options.contentType };
  if (Buffer.isBuffer(body) || body instanceof Readable) return { body, contentType: options.contentType };
  return { body: Buffer.from(JSON.stringify(body)), contentType: options.contentType ?? 'application/json' };
};
