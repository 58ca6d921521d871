import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/core/errors.js';
import { connect } from '../../../../src/core/pg/connection/connect.js';
import { PgServerError } from '../../../../src/core/pg/connection/errors.js';
import type { PgConnection } from '../../../../src/core/pg/connection/pg-connection.js';
import { encodeKeepalive, encodeXLogData } from '../../../../src/core/pg/replication/codec.js';
import { type XLogData, startReplication } from '../../../../src/core/pg/replication/stream.js';
import { cstr, int16, int32, msg } from '../protocol/wire.js';
import { type FrontendReader, type ScriptedServer, acceptTrusted, resolvedFor, startScriptedServer } from './scripted-server.js';

// A scripted walsender: the exact message sequences of the end of a timeline, a shutdown and
// a client-side stop, plus malformed input, are laid down byte for byte.

const copyBothResponse = msg('W', Buffer.from([0]), int16(0));
const copyDone = msg('c');
const command = (tag: string): Buffer => msg('C', cstr(tag));
const ready = msg('Z', Buffer.from('I'));
const field = (name: string, oid: number): Buffer =>
  Buffer.concat([cstr(name), int32(0), int16(0), int32(oid), int16(-1), int32(-1), int16(0)]);
const nextTimelineRow = (tli: string, start: string): Buffer =>
  Buffer.concat([
    msg('T', int16(2), field('next_tli', 20), field('next_tli_startpos', 25)),
    msg('D', int16(2), int32(tli.length), Buffer.from(tli), int32(start.length), Buffer.from(start)),
  ]);
const wal = (start: bigint, bytes: number): Buffer =>
  msg('d', encodeXLogData({ dataStart: start, walEnd: start + BigInt(bytes), sendTime: 1n, data: Buffer.alloc(bytes, 0x5a) }));

let server: ScriptedServer;
let c: PgConnection;
let peer: FrontendReader;

beforeEach(async () => {
  server = await startScriptedServer();
  [c, peer] = await Promise.all([connect({ resolved: resolvedFor(server.port) }), acceptTrusted(server)]);
});
afterEach(async () => {
  await c.close();
  await server.close();
});

const expectQuery = async (sql: string): Promise<void> => {
  const query = await peer.typed();
  expect(query.type).toBe('Q');
  expect(query.body.toString('utf8')).toBe(`${sql}\0`);
};

const drainKinds = async (stream: AsyncIterable<{ kind: string }>): Promise<string[]> => {
  const kinds: string[] = [];
  for await (const m of stream) kinds.push(m.kind);
  return kinds;
};

describe('START_REPLICATION sequences', () => {
  it('end of a historic timeline: CopyDone both ways, then the next timeline row', async () => {
    const streaming = startReplication(c, { lsn: 0x300_0000n, timeline: 1 });
    await expectQuery('START_REPLICATION PHYSICAL 0/3000000 TIMELINE 1');
    peer.socket.write(Buffer.concat([copyBothResponse, wal(0x300_0000n, 100), msg('d', encodeKeepalive({ walEnd: 0x300_0064n, sendTime: 2n, replyRequested: false })), copyDone]));
    const stream = await streaming;
    expect(await drainKinds(stream)).toEqual(['xlogdata', 'keepalive']);
    const finishing = stream.finish();
    expect((await peer.typed()).type).toBe('c');
    peer.socket.write(Buffer.concat([nextTimelineRow('2', '0/3000064'), command('START_STREAMING'), command('START_REPLICATION'), ready]));
    expect(await finishing).toEqual({ nextTimeline: 2, nextStart: 0x300_0064n });
    // Usable again.
    const querying = c.query('IDENTIFY_SYSTEM');
    await expectQuery('IDENTIFY_SYSTEM');
    peer.socket.write(Buffer.concat([command('IDENTIFY_SYSTEM'), ready]));
    expect(await querying).toEqual([{ command: 'IDENTIFY_SYSTEM', fields: [], rows: [] }]);
  });

  it('a start already past the switch point: the row comes at once, without COPY', async () => {
    const streaming = startReplication(c, { lsn: 0x300_0064n, timeline: 1 });
    await expectQuery('START_REPLICATION PHYSICAL 0/3000064 TIMELINE 1');
    peer.socket.write(Buffer.concat([nextTimelineRow('2', '0/3000064'), command('START_STREAMING'), command('START_REPLICATION'), ready]));
    const stream = await streaming;
    expect(await drainKinds(stream)).toEqual([]);
    expect(await stream.finish()).toEqual({ nextTimeline: 2, nextStart: 0x300_0064n });
    expect(() => stream.sendStatus({ write: 1n, flush: 1n, apply: 0n })).toThrow(/COPY is over/);
  });

  it('server shutdown: CommandComplete inside COPY, then the socket closes; finish() is null', async () => {
    const streaming = startReplication(c, { lsn: 0x100_0000n });
    await expectQuery('START_REPLICATION PHYSICAL 0/1000000');
    peer.socket.write(Buffer.concat([copyBothResponse, wal(0x100_0000n, 10), command('COPY 0')]));
    peer.socket.end();
    const stream = await streaming;
    expect(await drainKinds(stream)).toEqual(['xlogdata']);
    expect(await stream.finish()).toBeNull();
    expect(c.isOpen).toBe(false);
  });

  it('client stop: CopyDone, data still in flight is dropped, then the results', async () => {
    const streaming = startReplication(c, { slot: 's1', lsn: 0x100_0000n });
    await expectQuery('START_REPLICATION SLOT "s1" PHYSICAL 0/1000000');
    peer.socket.write(Buffer.concat([copyBothResponse, wal(0x100_0000n, 10)]));
    const stream = await streaming;
    for await (const m of stream) {
      expect(m.kind).toBe('xlogdata');
      break;
    }
    stream.sendStatus({ write: 0x100_000an, flush: 0n, apply: 0n, replyRequested: true });
    const finishing = stream.finish();
    const status = await peer.typed();
    expect(status.type).toBe('d');
    expect(status.body.length).toBe(34);
    expect(status.body.readBigUInt64BE(1)).toBe(0x100_000an);
    expect((await peer.typed()).type).toBe('c');
    peer.socket.write(Buffer.concat([wal(0x100_000an, 5), copyDone, command('START_STREAMING'), command('START_REPLICATION'), ready]));
    expect(await finishing).toBeNull();
    expect(c.isOpen).toBe(true);
  });

  it('an error during COPY ends the stream with PgServerError; the connection survives', async () => {
    const streaming = startReplication(c, { lsn: 0x100_0000n });
    await expectQuery('START_REPLICATION PHYSICAL 0/1000000');
    peer.socket.write(Buffer.concat([
      copyBothResponse,
      msg('E', Buffer.from('S'), cstr('ERROR'), Buffer.from('C'), cstr('58P01'), Buffer.from('M'), cstr('requested WAL segment has already been removed'), Buffer.from([0])),
      ready,
    ]));
    const stream = await streaming;
    await expect(drainKinds(stream)).rejects.toBeInstanceOf(PgServerError);
    await expect(stream.finish()).rejects.toMatchObject({ sqlstate: '58P01' });
    expect(c.isOpen).toBe(true);
  });

  it('an XLogData split across reads comes as XLogData of its pieces, contiguous, with every byte', async () => {
    const streaming = startReplication(c, { lsn: 0x100_0000n });
    await expectQuery('START_REPLICATION PHYSICAL 0/1000000');
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const whole = msg('d', encodeXLogData({ dataStart: 0x100_0000n, walEnd: 0x100_0bb8n, sendTime: 7n, data }));
    peer.socket.write(Buffer.concat([copyBothResponse, whole.subarray(0, 1200)]));
    const stream = await streaming;
    const got: XLogData[] = [];
    const reading = (async () => {
      for await (const m of stream) {
        if (m.kind === 'xlogdata') got.push(m);
        if (got.reduce((sum, x) => sum + x.data.length, 0) === data.length) break;
      }
    })();
    await sleep(20); // a read of its own for the rest
    peer.socket.write(whole.subarray(1200));
    await reading;
    expect(got.length).toBeGreaterThan(1); // pieces, not one gathered message
    let next = 0x100_0000n;
    for (const piece of got) {
      expect(piece.dataStart).toBe(next);
      expect(piece.walEnd).toBe(0x100_0bb8n);
      expect(piece.sendTime).toBe(7n);
      next += BigInt(piece.data.length);
    }
    expect(Buffer.concat(got.map((x) => x.data)).equals(data)).toBe(true);
    // The keepalive after it is whole, and the stream ends as usual.
    const finishing = stream.finish();
    expect((await peer.typed()).type).toBe('c');
    peer.socket.write(Buffer.concat([copyDone, command('START_STREAMING'), command('START_REPLICATION'), ready]));
    expect(await finishing).toBeNull();
    // Later commands on the connection are parsed whole again.
    const querying = c.query('IDENTIFY_SYSTEM');
    await expectQuery('IDENTIFY_SYSTEM');
    peer.socket.write(Buffer.concat([command('IDENTIFY_SYSTEM'), ready]));
    expect(await querying).toEqual([{ command: 'IDENTIFY_SYSTEM', fields: [], rows: [] }]);
  });

  it('unknown bytes inside CopyData: ProtocolError and the connection is dropped', async () => {
    const streaming = startReplication(c, { lsn: 0x100_0000n });
    await expectQuery('START_REPLICATION PHYSICAL 0/1000000');
    peer.socket.write(Buffer.concat([copyBothResponse, msg('d', Buffer.from('x-garbage'))]));
    const stream = await streaming;
    await expect(drainKinds(stream)).rejects.toBeInstanceOf(ProtocolError);
    expect(await peer.closed()).toBe(true);
    expect(c.isOpen).toBe(false);
  });
});

describe('backpressure on a real socket', () => {
  it('pauses reading when the consumer lags, so the server\'s writes back up instead of our memory', async () => {
    await c.close();
    await server.close();
    server = await startScriptedServer();
    const limit = 256 * 1024;
    [c, peer] = await Promise.all([connect({ resolved: resolvedFor(server.port), receiveBufferBytes: limit }), acceptTrusted(server)]);
    const copy = c.copyBoth('START_REPLICATION PHYSICAL 0/0');
    await expectQuery('START_REPLICATION PHYSICAL 0/0');
    peer.socket.write(copyBothResponse);
    const stream = await copy;
    const payload = Buffer.alloc(64 * 1024, 7);
    const total = 400; // 25 MB, far more than the bound plus the kernel's socket buffers
    for (let i = 0; i < total; i++) peer.socket.write(msg('d', payload));
    peer.socket.write(copyDone);
    await sleep(500);
    expect(c.receiveBuffer.buffered).toBeLessThanOrEqual(limit + 64 * 1024 + 1024);
    // What we did not take is still queued on the server's side.
    expect(peer.socket.writableLength).toBeGreaterThan(10 * 1024 * 1024);
    let received = 0;
    for await (const data of stream) {
      expect(data.equals(payload)).toBe(true);
      received++;
    }
    expect(received).toBe(total);
    expect(c.receiveBuffer.peak).toBeLessThanOrEqual(limit + 64 * 1024 + 1024);
    const ending = stream.end();
    expect((await peer.typed()).type).toBe('c');
    peer.socket.write(Buffer.concat([command('COPY 0'), ready]));
    expect(await ending).toEqual([{ command: 'COPY 0', fields: [], rows: [] }]);
  });

  it('drain() waits while the server does not read what we write', async () => {
    const copy = c.copyBoth('START_REPLICATION PHYSICAL 0/0');
    await expectQuery('START_REPLICATION PHYSICAL 0/0');
    peer.socket.write(copyBothResponse);
    const stream = await copy;
    peer.socket.pause();
    const chunk = Buffer.alloc(1024 * 1024, 1);
    for (let i = 0; i < 64; i++) stream.write(chunk);
    let drained = false;
    const draining = stream.drain().then(() => {
      drained = true;
    });
    await sleep(300);
    expect(drained).toBe(false);
    peer.socket.resume();
    let got = 0;
    while (got < 64) {
      const m = await peer.typed();
      expect(m.type).toBe('d');
      got++;
    }
    await draining;
    expect(drained).toBe(true);
  });
});
