// How a MessageChannel ends its socket: by default it waits until the server has closed its
// end (the backend has gone, with whatever its session held); with untilServerCloses false it
// is done once its last message is written, as libpq's PQfinish is. The peer is a plain net
// server on a real unix socket that keeps its end open until told: a real server always
// closes at once, so only a peer that does not can show which of the two the channel waited for.
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessageChannel } from '../../../../src/core/pg/connection/message-channel.js';
import { openSocket } from '../../../../src/core/pg/connection/transport.js';

const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

let dir: string;
let server: Server;
let peer: Socket;
/** Everything the peer received, and whether our end has been shut. */
let received: Buffer[];
let peerSawEnd: Promise<void>;
let channel: MessageChannel;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ws-channel-close-'));
  const path = join(dir, 'peer.sock');
  const accepted = new Promise<Socket>((resolve) => {
    // allowHalfOpen: our FIN does not make the peer close its own end.
    server = createServer({ allowHalfOpen: true }, resolve);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const socket = await openSocket({ socketPath: path } as Parameters<typeof openSocket>[0], () => undefined);
  channel = new MessageChannel(socket);
  peer = await accepted;
  received = [];
  peer.on('data', (chunk: Buffer) => received.push(chunk));
  peerSawEnd = new Promise((resolve) => peer.once('end', resolve));
});

afterEach(async () => {
  peer.destroy();
  await channel.close().catch(() => undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const settled = async (promise: Promise<unknown>, ms: number): Promise<boolean> => {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  return done;
};

describe('MessageChannel.close', () => {
  it('waits by default until the server has closed its end', async () => {
    const closing = channel.close(TERMINATE);
    await peerSawEnd;
    expect(Buffer.concat(received)).toEqual(TERMINATE);
    expect(await settled(closing, 100)).toBe(false);
    peer.end();
    await closing;
  });

  it('is done once its last message is written when told not to wait', async () => {
    const closing = channel.close(TERMINATE, { untilServerCloses: false });
    expect(await settled(closing, 100)).toBe(true);
    await peerSawEnd;
    expect(Buffer.concat(received)).toEqual(TERMINATE);
    expect(channel.isOpen).toBe(false);
  });

  it('still gives up on a server that never closes, after the timeout', async () => {
    const started = performance.now();
    await channel.close(TERMINATE, { timeoutMs: 150 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(Buffer.concat(received)).toEqual(TERMINATE);
  });
});
