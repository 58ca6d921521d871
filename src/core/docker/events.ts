import type { IncomingMessage } from 'node:http';
import type { EngineClient } from './engine-client.js';

export interface DockerEvent {
  readonly Type: string;
  readonly Action: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Readonly<Record<string, string>> };
  readonly time?: number;
  readonly timeNano?: number;
}

export interface EventFilters {
  readonly [name: string]: readonly string[];
}

/**
 * GET /events with filters as a stream of decoded events. The daemon subscribes the caller
 * before it sends the response headers, so once this resolves no later event is missed.
 */
export async function openEventStream(
  client: EngineClient,
  filters: EventFilters,
  options: { readonly since?: string; readonly signal?: AbortSignal } = {},
): Promise<{ readonly events: AsyncIterable<DockerEvent>; close(): void }> {
  const message = await client.open('GET', '/events', {
    query: { filters: JSON.stringify(filters), since: options.since },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if ((message.statusCode ?? 0) >= 400) {
    message.resume();
    throw new Error(`Cannot watch daemon events: HTTP ${message.statusCode ?? 0}`);
  }
  return { events: decodeEvents(message), close: () => message.destroy() };
}

async function* decodeEvents(message: IncomingMessage): AsyncGenerator<DockerEvent> {
  let pending = '';
  try {
    for await (const chunk of message) {
      pending += (chunk as Buffer).toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') yield JSON.parse(line) as DockerEvent;
        newline = pending.indexOf('\n');
      }
    }
  } catch (error) {
    // Our own close() ends the stream with an abort: that is the normal way out.
    if ((error as { code?: string }).code !== 'ECONNRESET' && !message.destroyed) throw error;
  }
}

/**
 * Runs `trigger` (a SIGHUP) while subscribed to daemon reload events and waits for the
 * daemon to report one. Resolves to the event, or undefined when none came in time: dockerd
 * emits the event only when the reload succeeded.
 */
export async function triggerAndAwaitReload(
  client: EngineClient,
  trigger: () => Promise<void>,
  timeoutMs: number,
): Promise<DockerEvent | undefined> {
  const controller = new AbortController();
  const stream = await openEventStream(client, { type: ['daemon'], event: ['reload'] }, { signal: controller.signal });
  const timer = setTimeout(() => stream.close(), timeoutMs);
  try {
    await trigger();
    for await (const event of stream.events) {
      if (event.Type === 'daemon' && event.Action === 'reload') return event;
    }
    return undefined;
  } finally {
    clearTimeout(timer);
    stream.close();
  }
}
