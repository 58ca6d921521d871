import { EventEmitter } from 'node:events';
import { ProtocolError } from '../../errors.js';
import type { ConnectionTarget } from '../conninfo/resolve.js';
import { terminate } from '../protocol/frontend.js';
import type { BackendMessage } from '../protocol/messages.js';
import { type CopyBothOptions, type CopyBothStream, startCopyBoth } from './copy-both.js';
import { type CopyOutHandlers, CopyOutReader, type CopyOutStream } from './copy-out.js';
import { ConnectionError, ConnectionErrorCode, PgServerError } from './errors.js';
import type { MessageChannel } from './message-channel.js';
import { type QueryResult, type RawQueryResult, textResult } from './results.js';
import { Session } from './session.js';
import { runPipelinedQueries, runSimpleQuery } from './simple-query.js';
import type { AuthMethodUsed } from './startup.js';

export type { CopyBothStream } from './copy-both.js';
export type { CopyOutHandlers, CopyOutStream } from './copy-out.js';
export type { QueryResult, RawQueryResult } from './results.js';

/** "15.4 (Debian 15.4-1)" → 150004; "9.6.3" → 90603; "16beta1" → 160000. */
export const parseServerVersion = (text: string): number => {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (match === null) throw new ProtocolError(`Cannot understand server_version "${text}"`);
  const major = Number(match[1]);
  const minor = Number(match[2] ?? 0);
  if (major >= 10) return major * 10_000 + minor;
  return major * 10_000 + minor * 100 + Number(match[3] ?? 0);
};

export interface PgConnectionInit {
  readonly channel: MessageChannel;
  readonly target: ConnectionTarget;
  readonly tls: boolean;
}

/**
 * One authenticated connection. Commands run one at a time (a second one while the first is
 * running fails with `connection-busy`). Emits 'notice' (PgNotice) for NoticeResponse,
 * 'notification' for LISTEN payloads, 'error' when the connection fails while no command is
 * running (only if someone listens: an unheard 'error' must not crash the process), and
 * 'close' once it is gone.
 */
export class PgConnection extends EventEmitter {
  readonly target: ConnectionTarget;
  /** Whether the connection runs over TLS. */
  readonly tls: boolean;
  private readonly parameterMap = new Map<string, string>();
  private readonly session: Session;
  private readonly channel: MessageChannel;
  private pid = 0;
  private method: AuthMethodUsed = 'trust';
  private closeEmitted = false;

  constructor(init: PgConnectionInit) {
    super();
    this.target = init.target;
    this.tls = init.tls;
    this.channel = init.channel;
    this.session = new Session(init.channel, {
      notice: (notice) => this.emit('notice', notice),
      parameter: (name, value) => this.parameterMap.set(name, value),
      notification: (processId, channel, payload) => this.emit('notification', { processId, channel, payload }),
    });
    this.session.whenIdle(() => this.channel.setIdle((message) => this.idleMessage(message)));
    init.channel.onFailure = (error) => {
      if (!this.session.isBusy && this.listenerCount('error') > 0) this.emit('error', error);
      this.emitClose();
    };
  }

  /** ParameterStatus values, kept current. */
  get parameters(): ReadonlyMap<string, string> {
    return this.parameterMap;
  }

  /** server_version as a number: 150004 for 15.4. */
  get serverVersionNum(): number {
    return parseServerVersion(this.parameterMap.get('server_version') ?? '');
  }

  get backendPid(): number {
    return this.pid;
  }

  /** How the server authenticated us (SCRAM-SHA-256-PLUS means the TLS channel was bound). */
  get authMethod(): AuthMethodUsed {
    return this.method;
  }

  /** Received bytes not yet consumed, and the most there ever were (bounded by the limit). */
  get receiveBuffer(): { readonly buffered: number; readonly peak: number; readonly limit: number } {
    return { buffered: this.channel.bufferedBytes, peak: this.channel.peakBufferedBytes, limit: this.channel.limit };
  }

  get isOpen(): boolean {
    return this.channel.isOpen;
  }

  /** Simple query; text values. */
  async query(sql: string): Promise<QueryResult[]> {
    return (await this.queryRaw(sql)).map(textResult);
  }

  /** Simple query with values as the bytes the server sent (TIMELINE_HISTORY's content). */
  async queryRaw(sql: string): Promise<RawQueryResult[]> {
    this.session.acquire('run a query');
    try {
      return await runSimpleQuery(this.session, sql);
    } finally {
      this.session.release();
    }
  }

  /**
   * Several simple queries in one round trip (runPipelinedQueries): each answer is its
   * results, or the server's error for that statement alone.
   */
  async queryEach(statements: readonly string[]): Promise<Array<QueryResult[] | PgServerError>> {
    this.session.acquire('run pipelined queries');
    try {
      const answers = await runPipelinedQueries(this.session, statements);
      return answers.map((answer) => (answer instanceof PgServerError ? answer : answer.map(textResult)));
    } finally {
      this.session.release();
    }
  }

  copyOut(sql: string, handlers?: CopyOutHandlers): CopyOutStream {
    return new CopyOutReader(this.session, sql, handlers);
  }

  copyBoth(sql: string, options?: CopyBothOptions): Promise<CopyBothStream> {
    return startCopyBoth(this.session, sql, options);
  }

  /** Resolves once everything written has left for the socket. */
  drain(): Promise<void> {
    return this.channel.drain();
  }

  /**
   * Terminate, then end the socket. Safe to call more than once. By default this waits for
   * the server to close its end: a session's replication slot is released only when its
   * walsender exits, and a caller that reconnects at once (or a script that runs the next
   * tool) must not find it still active. A session that holds nothing passes
   * `waitForServer: false` and is done once its Terminate is written, as libpq's PQfinish is.
   */
  async close({ waitForServer = true }: { waitForServer?: boolean } = {}): Promise<void> {
    await this.channel.close(this.channel.isOpen ? terminate() : undefined, { untilServerCloses: waitForServer });
    this.emitClose();
  }

  /** Drops the connection at once (no Terminate): for input that cannot be trusted. */
  destroy(error?: Error): void {
    this.channel.fail(error ?? new ConnectionError(ConnectionErrorCode.closed, 'Cannot use the connection: it was closed'));
  }

  /** Startup hands over the backend's pid before the connection is given to the caller. */
  adoptStartup(pid: number, method: AuthMethodUsed): void {
    this.pid = pid;
    this.method = method;
    this.session.release();
  }

  /** The session, for the startup phase only. */
  startupSession(): Session {
    this.session.acquire('start up');
    return this.session;
  }

  private idleMessage(message: BackendMessage): void {
    if (this.session.routeAsynchronous(message)) return;
    const error =
      message.type === 'errorResponse'
        ? new PgServerError(message.fields)
        : new ProtocolError(`Cannot stay idle: unexpected server message ${message.type}`);
    this.channel.fail(error);
  }

  private emitClose(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close');
  }
}
