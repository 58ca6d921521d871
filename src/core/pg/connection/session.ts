import { ProtocolError } from '../../errors.js';
import type { BackendMessage } from '../protocol/messages.js';
import { ConnectionError, ConnectionErrorCode, type PgNotice, noticeFromFields } from './errors.js';
import type { MessageChannel } from './message-channel.js';

/** What a session reports upward (PgConnection turns these into events). */
export interface SessionEvents {
  notice(notice: PgNotice): void;
  parameter(name: string, value: string): void;
  notification(processId: number, channel: string, payload: string): void;
}

/**
 * One command at a time over a MessageChannel. `read` hands a command the messages meant for
 * it and routes the ones that may come at any moment (notices, parameter changes,
 * notifications) to the events, in stream order.
 */
export class Session {
  private busy = false;
  private onIdle: (() => void) | undefined;

  constructor(
    readonly channel: MessageChannel,
    private readonly events: SessionEvents,
  ) {}

  get isBusy(): boolean {
    return this.busy;
  }

  /** Marks a command as running; throws if one already is or the connection is gone. */
  acquire(what: string): void {
    if (this.busy) {
      throw new ConnectionError(
        ConnectionErrorCode.busy,
        `Cannot ${what}: another command is still running on this connection`,
      );
    }
    if (!this.channel.isOpen) {
      throw new ConnectionError(ConnectionErrorCode.closed, `Cannot ${what}: the connection is closed`);
    }
    this.busy = true;
    this.channel.setIdle(undefined);
  }

  release(): void {
    if (!this.busy) return;
    this.busy = false;
    this.onIdle?.();
  }

  /** Installs what runs whenever the session becomes idle (PgConnection's idle handler). */
  whenIdle(callback: () => void): void {
    this.onIdle = callback;
  }

  send(bytes: Buffer): void {
    this.channel.send(bytes);
  }

  /** The next message for the running command. */
  async read(): Promise<BackendMessage> {
    for (;;) {
      const message = await this.channel.next();
      if (!this.routeAsynchronous(message)) return message;
    }
  }

  /** Handles messages the server may send at any time; false when `message` is not one. */
  routeAsynchronous(message: BackendMessage): boolean {
    switch (message.type) {
      case 'noticeResponse':
        this.events.notice(noticeFromFields(message.fields));
        return true;
      case 'parameterStatus':
        this.events.parameter(message.name, message.value);
        return true;
      case 'notificationResponse':
        this.events.notification(message.processId, message.channel, message.payload);
        return true;
      default:
        return false;
    }
  }

  /** A message that has no place here: the stream can no longer be trusted. */
  unexpected(message: BackendMessage, during: string): ProtocolError {
    const error = new ProtocolError(`Cannot ${during}: unexpected server message ${message.type}`);
    this.channel.fail(error);
    return error;
  }
}
