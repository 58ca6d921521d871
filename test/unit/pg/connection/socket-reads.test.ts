// Socket reads into reused buffers (SocketReads) under a MessageChannel, on a real unix
// socket: the peer here is a plain net server writing backend messages, since what is tested
// is when our read buffers may be reused, not what a server says.
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessageChannel } from '../../../../src/core/pg/connection/message-channel.js';
import { SocketReads } from '../../../../src/core/pg/connection/socket-reads.js';
import { openSocket } from '../../../../src/core/pg/connection/transport.js';
import type { BackendMessage } from '../../../../src/core/pg/protocol/messages.js';
import { msg } from '../protocol/wire.js';

const PAYLOAD = 60 * 1024;

/** CopyData whose every byte is `fill`: a reused buffer shows up as a wrong byte. */
const copyData = (fill: number): Buffer => msg('d', Buffer.alloc(PAYLOAD, fill));

const dataOf = (message: BackendMessage): Buffer => {
  if (message.type !== 'copyData') throw new Error(`expected copyData, got ${message.type}`);
  return message.data;
};

const allBytes = (data: Buffer, fill: number): boolean => data.length === PAYLOAD && data.every((b) => b === fill);

let dir: string;
let server: Server;
let peer: Socket;
let channel: MessageChannel;

/** Writes one message at a time, each after the previous one was read, so reads stay whole. */
const send = async (bytes: Buffer): Promise<void> => {
  peer.write(bytes);
  await new Promise((resolve) => setTimeout(resolve, 2));
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ws-socket-reads-'));
  const path = join(dir, 'peer.sock');
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer(resolve);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const reads = new SocketReads();
  const socket = await openSocket({ socketPath: path } as Parameters<typeof openSocket>[0], () => undefined, reads);
  channel = new MessageChannel(socket, undefined, reads);
  peer = await accepted;
});

afterEach(async () => {
  peer.destroy();
  await channel.close().catch(() => undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('SocketReads', () => {
  it('reuses its read buffers while the reader lends', async () => {
    channel.lendMessages(true);
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < 40; i += 1) {
      const next = channel.next();
      await send(copyData(i));
      const data = dataOf(await next);
      expect(allBytes(data, i)).toBe(true);
      buffers.add(data.buffer);
    }
    // Two buffers alternate: the one just read, and the one the reader has released.
    expect(buffers.size).toBeLessThanOrEqual(4);
  });

  it('never reuses a buffer whose messages a reader that does not lend may keep', async () => {
    const kept: Buffer[] = [];
    for (let i = 0; i < 40; i += 1) {
      const next = channel.next();
      await send(copyData(i));
      kept.push(dataOf(await next));
    }
    expect(kept.every((data, i) => allBytes(data, i))).toBe(true);
  });

  it('keeps what was taken while lending once lending ends, even when lending starts again', async () => {
    channel.lendMessages(true);
    let next = channel.next();
    await send(copyData(1));
    const taken = dataOf(await next);
    // The COPY ends: the last message taken is kept (as results after a COPY are).
    channel.lendMessages(false);
    next = channel.next();
    await send(copyData(2));
    const keptToo = dataOf(await next);
    // A new COPY lends again; its next() calls release everything taken before.
    channel.lendMessages(true);
    for (let i = 3; i < 20; i += 1) {
      next = channel.next();
      await send(copyData(i));
      expect(allBytes(dataOf(await next), i)).toBe(true);
    }
    expect(allBytes(taken, 1)).toBe(true);
    expect(allBytes(keptToo, 2)).toBe(true);
  });

  it('copies small reads out, and messages queued behind a lagging reader stay intact', async () => {
    channel.lendMessages(true);
    const small = msg('d', Buffer.from('tiny'));
    peer.write(Buffer.concat([small, small]));
    for (let i = 0; i < 12; i += 1) await send(copyData(100 + i));
    for (let n = 0; n < 2; n += 1) expect(dataOf(await channel.next()).toString()).toBe('tiny');
    for (let i = 0; i < 12; i += 1) expect(allBytes(dataOf(await channel.next()), 100 + i)).toBe(true);
  });
});
