import { readFileSync } from 'node:fs';
import http from 'node:http';
import aws4 from 'aws4';
import { type ErrorCode, isWarmstandbyError, WarmstandbyError } from '../../errors.js';
import { parseErrorBody } from './s3-xml.js';
import { DEFAULT_RETRY_POLICY, nextDelay, type RetryPolicy, sleep } from './retry-policy.js';
import type { S3Settings } from './s3-settings.js';

export interface S3Request {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** The object key ('' for the bucket itself). */
  readonly key: string;
  /** Query parameters (encoded here). */
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** The body's SHA-256 in hex when the caller has computed it already (spares aws4 a pass). */
  readonly bodySha256?: string;
  /** A larger response body is refused (and the connection dropped). */
  readonly maxResponseBytes?: number;
}

export interface S3Response {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface S3ClientOptions {
  readonly signal?: AbortSignal;
  /** A request that receives nothing for this long is abandoned (and retried). */
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryPolicy;
}

/**
 * Trouble the service or the network may get over by itself: retried with backoff inside
 * the budget, then reported with the error's `transient` flag set so hooks choose a
 * non-fatal status.
 */
export class S3Error extends WarmstandbyError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number | undefined,
    readonly s3Code: string | undefined,
    readonly transient: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE = 1024 * 1024;
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['RequestTimeout', 'SlowDown', 'InternalError', 'ServiceUnavailable', 'ConditionalRequestConflict']);

/**
 * Signed requests to one bucket (SigV4 by the aws4 package over node:http/https: no SDK to
 * load on every hook call, see docs/dev/object-storage.md). Every request has an idle
 * timeout; transient failures are retried with capped, jittered backoff inside a budget.
 * Answers with any HTTP status come back to the caller, which knows what 404 or 412 means.
 */
export class S3Client {
  private agent: http.Agent | undefined;
  private transport: Pick<typeof http, 'request'> | undefined;
  private readonly idleTimeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly settings: S3Settings,
    readonly bucket: string,
    private readonly options: S3ClientOptions = {},
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** The request, retried while it fails transiently; any answer with a status is returned. */
  async send(request: S3Request): Promise<S3Response> {
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      let failure: S3Error;
      try {
        const response = await this.once(request);
        const code = TRANSIENT_STATUS.has(response.status) || response.status === 409 || response.status === 400
          ? errorCodeOf(response)
          : undefined;
        const transient = TRANSIENT_STATUS.has(response.status) || (code !== undefined && TRANSIENT_CODES.has(code));
        if (!transient) return response;
        failure = this.errorFor(request, response, 'S3 request failed');
      } catch (error) {
        if (this.options.signal?.aborted === true) throw error;
        // Our own errors (an unreadable CA file) are not the network's: no retry.
        if (isWarmstandbyError(error) && !(error instanceof S3Error)) throw error;
        failure = error instanceof S3Error ? error : this.networkError(request, error);
        if (!failure.transient) throw failure;
      }
      const delay = nextDelay(this.retry, attempt, Date.now() - started);
      if (delay === undefined) throw failure;
      await sleep(delay, this.options.signal);
    }
  }

  /** An error naming the object, the service's code and message, never a header or a key. */
  errorFor(request: Pick<S3Request, 'key'>, response: S3Response, action: string): S3Error {
    const body = parseErrorBody(response.body.toString('utf8'));
    const code = body.code ?? (response.status === 404 ? 'NotFound' : `HTTP ${response.status}`);
    const transient = TRANSIENT_STATUS.has(response.status) || TRANSIENT_CODES.has(code);
    const detail = body.message === undefined || body.message === '' ? '' : `: ${body.message}`;
    return new S3Error(
      code === 'NoSuchBucket' ? 's3-no-such-bucket' : code === 'AccessDenied' ? 's3-access-denied' : 's3-error',
      `${action} "${this.describe(request.key)}": ${code}${detail} (HTTP ${response.status})`,
      response.status,
      code,
      transient,
    );
  }

  describe(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  close(): void {
    this.agent?.destroy();
  }

  /**
   * The agent, made on first use: node:https (and TLS with it) loads only for an https
   * endpoint. keep-alive: a hook's few requests (list, then get) share one connection.
   */
  private async connection(): Promise<{ agent: http.Agent; transport: Pick<typeof http, 'request'> }> {
    if (this.agent === undefined || this.transport === undefined) {
      if (this.settings.endpoint.protocol === 'https:') {
        const https = await import('node:https');
        const ca = this.settings.caFile === undefined ? undefined : readCaFile(this.settings.caFile);
        this.agent = new https.Agent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
        this.transport = https;
      } else {
        this.agent = new http.Agent({ keepAlive: true });
        this.transport = http;
      }
    }
    return { agent: this.agent, transport: this.transport };
  }

  private networkError(request: S3Request, error: unknown): S3Error {
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    // A certificate that does not verify will not verify on the next attempt either.
    const certificate = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(reason);
    return new S3Error(
      certificate ? 's3-certificate' : 's3-unreachable',
      `Cannot reach the S3 endpoint ${this.settings.endpoint.origin} for "${this.describe(request.key)}": ${reason}`,
      undefined,
      undefined,
      !certificate,
      { cause: error },
    );
  }

  private async once(request: S3Request): Promise<S3Response> {
    const { agent, transport } = await this.connection();
    const { endpoint, pathStyle, region, credentials } = this.settings;
    const keyPath = request.key.split('/').map(encodeURIComponent).join('/');
    const host = pathStyle ? endpoint.host : `${this.bucket}.${endpoint.host}`;
    const base = pathStyle ? `/${this.bucket}${request.key === '' ? '' : `/${keyPath}`}` : `/${keyPath}`;
    const query = Object.entries(request.query ?? {})
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&');
    const path = query === '' ? base : `${base}?${query}`;
    const headers: Record<string, string> = { Host: host, ...request.headers };
    if (request.body !== undefined) {
      headers['Content-Length'] = String(request.body.length);
      // The signature covers the body's SHA-256, over TLS too: the service refuses bytes that
      // do not match it (400), so nothing damaged on the way is stored. Given by the caller
      // when it already has it, else computed by aws4.
      if (request.bodySha256 !== undefined) headers['x-amz-content-sha256'] = request.bodySha256;
    }
    const signed = aws4.sign(
      { host, path, method: request.method, headers, service: 's3', region, ...(request.body === undefined ? {} : { body: request.body }) },
      credentials,
    );
    const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
    return new Promise<S3Response>((resolve, reject) => {
      const req = transport.request({
        protocol: endpoint.protocol,
        hostname: pathStyle ? endpoint.hostname : `${this.bucket}.${endpoint.hostname}`,
        port: endpoint.port === '' ? undefined : Number(endpoint.port),
        method: request.method,
        path,
        headers: signed.headers as http.OutgoingHttpHeaders,
        agent,
        ...(this.options.signal === undefined ? {} : { signal: this.options.signal }),
      });
      req.setTimeout(this.idleTimeoutMs, () => {
        req.destroy(Object.assign(new Error(`no answer for ${this.idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length'] ?? '0');
        if (request.method !== 'HEAD' && declared > maxBytes) {
          res.destroy();
          reject(new S3Error('s3-too-large', `Cannot read "${this.describe(request.key)}": ${declared} bytes, more than ${maxBytes}`,
            res.statusCode, undefined, false));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) {
            reject(new S3Error('s3-too-large', `Cannot read "${this.describe(request.key)}": more than ${maxBytes} bytes`,
              res.statusCode, undefined, false));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.end(request.body);
    });
  }
}

export const errorCodeOf = (response: S3Response): string | undefined => parseErrorBody(response.body.toString('utf8')).code;

const readCaFile = (path: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new WarmstandbyError('s3-ca-file', `Cannot read the S3 CA file "${path}": ${(error as Error).message}`, { exitStatus: 2 });
  }
};
