import type { Socket } from 'node:net';
import { ConnectionError, ConnectionErrorCode } from './errors.js';

/**
 * connect_timeout and the caller's AbortSignal for one target: when either fires, the socket
 * in use is destroyed with the reason, which every pending step then reports. The clock
 * stops while the user types a password.
 */
export class ConnectDeadline {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number | undefined;
  private startedAt = 0;
  private reason: ConnectionError | undefined;
  private readonly onAbort = (): void => {
    this.fire(new ConnectionError(ConnectionErrorCode.aborted, 'Cannot connect: the connection attempt was aborted'));
  };

  constructor(
    timeoutMs: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.remainingMs = timeoutMs;
    this.resume();
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The error that ended the attempt early, if any. */
  get expired(): ConnectionError | undefined {
    return this.reason;
  }

  /** Throws at once if the signal was already aborted. */
  check(): void {
    if (this.signal?.aborted === true) this.onAbort();
    if (this.reason !== undefined) throw this.reason;
  }

  /** The socket to destroy if time runs out (the latest one: plain, then TLS). */
  watch = (socket: Socket): void => {
    this.socket = socket;
    if (this.reason !== undefined) socket.destroy(this.reason);
  };

  pause(): void {
    if (this.timer === undefined || this.remainingMs === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs = Math.max(0, this.remainingMs - (Date.now() - this.startedAt));
  }

  resume(): void {
    if (this.remainingMs === undefined || this.timer !== undefined || this.reason !== undefined) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(
      () => this.fire(new ConnectionError(ConnectionErrorCode.timeout, 'timeout expired')),
      this.remainingMs,
    );
  }

  /** Stops the clock for good; the connection is established or given up. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private fire(reason: ConnectionError): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.dispose();
    this.socket?.destroy(reason);
  }
}
