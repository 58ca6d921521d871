import type { Socket } from 'node:net';
import { ProtocolError, WarmstandbyError } from '../../errors.js';
import { BackendParser, type CopyDataPieces } from '../protocol/backend.js';
import type { BackendMessage } from '../protocol/messages.js';
import { ConnectionError, ConnectionErrorCode } from './errors.js';
import type { MessageReader, SocketReads } from './socket-reads.js';

/** Default bound on received-but-unconsumed bytes before the socket is paused. */
export const DEFAULT_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

/** Handles messages that arrive while no command is reading (notices, a FATAL, ...). */
export type IdleHandler = (message: BackendMessage) => void;

interface Waiter {
  resolve(message: BackendMessage): void;
  reject(error: Error): void;
}

/** What a message costs in the receive bound: the bytes it holds on to. */
const heldBytes = (message: BackendMessage): number => {
  if (message.type === 'copyData') return message.data.length + 5;
  if (message.type === 'copyDataPiece') return message.data.length;
  if (message.type === 'dataRow') return message.values.reduce((n, v) => n + 4 + (v?.length ?? 0), 7);
  return 16;
};

/**
 * Owns one socket: parses what arrives into a bounded queue of messages, hands them out one
 * at a time, and writes frontend messages. When the queue holds more than `limitBytes` the
 * socket is paused, so a slow consumer makes TCP push back on the server instead of memory
 * growing; it resumes once the consumer has taken the queue below half the bound.
 */
export class MessageChannel implements MessageReader {
  private readonly parser = new BackendParser();
  /** Messages parsed, taken by a reader (or the idle handler), and released (see lendMessages). */
  private parsed = 0;
  private taken = 0;
  private released = 0;
  private lends = false;
  private readonly queue: BackendMessage[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private peak = 0;
  private paused = false;
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  private socketError: Error | undefined;
  private closedByUs = false;
  private drainWaiters: (() => void)[] = [];
  private closeWaiters: (() => void)[] = [];
  private failureWaiters: ((error: Error) => void)[] = [];
  private socketClosed = false;
  /** Set while no command runs; messages then go here instead of the queue. */
  idleHandler: IdleHandler | undefined;
  /** Called once when the channel stops working, whatever the reason. */
  onFailure: ((error: Error) => void) | undefined;

  /** With `reads`, the socket was opened with its `onread` and delivers through it. */
  constructor(
    private readonly socket: Socket,
    private readonly limitBytes: number = DEFAULT_RECEIVE_BUFFER_BYTES,
    private readonly reads?: SocketReads,
  ) {
    if (reads !== undefined) reads.attach(this);
    else socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: Error) => {
      this.socketError ??= error;
    });
    socket.on('drain', () => this.wakeDrainWaiters());
    socket.on('close', () => this.closed());
    // SSL negotiation may have paused the socket explicitly; a 'data' listener alone would
    // not restart the flow then.
    socket.resume();
    // 'end' with allowHalfOpen=false is followed by 'close'; nothing to do until then.
  }

  /** Bytes received and not yet taken by a consumer (queued messages + a partial one). */
  get bufferedBytes(): number {
    return this.queuedBytes + this.parser.pendingBytes;
  }

  /** Which CopyData messages split across reads arrive in pieces (BackendParser). */
  set copyDataPieces(mode: CopyDataPieces) {
    this.parser.copyDataPieces = mode;
  }

  /**
   * While on, the reader promises to be done with a message (its buffers are views) when it
   * asks for the next one, so the socket's read buffers may be reused (SocketReads). The WAL
   * stream lends; anything that keeps a message (result rows) must not.
   */
  lendMessages(on: boolean): void {
    if (on === this.lends) return;
    this.lends = on;
    if (!on) this.reads?.lendingEnded();
  }

  get lending(): boolean {
    return this.lends;
  }

  get parsedCount(): number {
    return this.parsed;
  }

  releasedUpTo(mark: number): boolean {
    return this.released >= mark;
  }

  /** The largest `bufferedBytes` seen, for tests and diagnostics. */
  get peakBufferedBytes(): number {
    return this.peak;
  }

  get limit(): number {
    return this.limitBytes;
  }

  get isOpen(): boolean {
    return this.failure === undefined;
  }

  /** The next message; queued messages are delivered before a failure is reported. */
  next(): Promise<BackendMessage> {
    // Asking for the next message releases the ones taken before (when lending).
    if (this.lends) this.released = this.taken;
    if (this.queueHead < this.queue.length) return Promise.resolve(this.take());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.waiter !== undefined) {
      return Promise.reject(new WarmstandbyError('internal', 'Cannot read: two readers on one connection'));
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /**
   * `work` (local computation between two messages, such as SCRAM's key derivation), given up
   * as soon as the channel fails: a deadline or an abort that destroys the socket ends the
   * wait at once instead of when the work finishes.
   */
  whileOpen<T>(work: Promise<T>): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const onFailure = (error: Error): void => reject(error);
      this.failureWaiters.push(onFailure);
      work.then(resolve, reject).finally(() => {
        this.failureWaiters = this.failureWaiters.filter((waiter) => waiter !== onFailure);
      });
    });
  }

  /** Queues bytes for the server; returns false when the socket's buffer is over its mark. */
  send(bytes: Buffer): boolean {
    if (this.failure !== undefined) throw this.failure;
    return this.socket.write(bytes);
  }

  /** Resolves once the socket has flushed what was written (immediately when it has). */
  drain(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.failure !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Delivers what is queued to the idle handler, then keeps doing so for new messages. */
  setIdle(handler: IdleHandler | undefined): void {
    this.idleHandler = handler;
    while (handler !== undefined && this.idleHandler === handler && this.queueHead < this.queue.length) {
      handler(this.take());
    }
  }

  /** Fails the channel with `error` (reported to readers) and destroys the socket. */
  fail(error: Error): void {
    this.setFailure(error);
    this.socket.destroy();
  }

  /**
   * Ends the socket politely after `last` (Terminate). With `untilServerCloses` (the default)
   * this resolves once the server has closed its end too, that is once the backend has gone
   * and released what its session held; without, once our end is written and shut.
   */
  async close(last?: Buffer, { untilServerCloses = true, timeoutMs = 2_000 } = {}): Promise<void> {
    this.closedByUs = true;
    this.setFailure(new ConnectionError(ConnectionErrorCode.closed, 'Cannot use the connection: it is closed'));
    if (this.socketClosed) return;
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    const written = new Promise<void>((resolve) => {
      if (last !== undefined && !this.socket.destroyed) this.socket.end(last, resolve);
      else this.socket.end(resolve);
    });
    const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
    if (!untilServerCloses) {
      await Promise.race([written, closed]);
      this.socket.destroy();
    }
    await closed;
    clearTimeout(timer);
  }

  receive(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    let messages: BackendMessage[];
    try {
      messages = this.parser.feed(chunk);
    } catch (error) {
      this.fail(error instanceof Error ? error : new ProtocolError(String(error)));
      return;
    }
    this.parsed += messages.length;
    for (const message of messages) {
      if (this.idleHandler !== undefined && this.queueHead === this.queue.length && this.waiter === undefined) {
        // Released, like a reader's, at the next next(): a reader may still hold an earlier one.
        this.taken += 1;
        this.idleHandler(message);
        if (this.failure !== undefined) return;
        continue;
      }
      this.queue.push(message);
      this.queuedBytes += heldBytes(message);
    }
    this.peak = Math.max(this.peak, this.bufferedBytes);
    if (this.waiter !== undefined && this.queueHead < this.queue.length) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(this.take());
    }
    if (!this.paused && this.queuedBytes > this.limitBytes) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private take(): BackendMessage {
    const message = this.queue[this.queueHead] as BackendMessage;
    this.queue[this.queueHead] = undefined as unknown as BackendMessage;
    this.queueHead++;
    this.taken += 1;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.queuedBytes -= heldBytes(message);
    if (this.paused && this.queuedBytes <= this.limitBytes / 2 && this.failure === undefined) {
      this.paused = false;
      this.socket.resume();
    }
    return message;
  }

  private closed(): void {
    this.socketClosed = true;
    if (this.failure === undefined) {
      const cause = this.socketError;
      const error =
        cause instanceof WarmstandbyError
          ? cause
          : new ConnectionError(
              ConnectionErrorCode.lost,
              this.parser.atMessageBoundary
                ? 'server closed the connection unexpectedly'
                : 'server closed the connection in the middle of a message',
              cause === undefined ? {} : { cause },
            );
      this.setFailure(error);
    }
    this.wakeDrainWaiters();
    for (const wake of this.closeWaiters.splice(0)) wake();
  }

  private setFailure(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    if (this.waiter !== undefined && this.queueHead === this.queue.length) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(error);
    }
    this.wakeDrainWaiters();
    for (const waiter of this.failureWaiters.splice(0)) waiter(error);
    if (!this.closedByUs) this.onFailure?.(error);
  }

  private wakeDrainWaiters(): void {
    for (const wake of this.drainWaiters.splice(0)) wake();
  }
}
