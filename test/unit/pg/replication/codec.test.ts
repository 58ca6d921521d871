import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/core/errors.js';
import { BackendParser } from '../../../../src/core/pg/protocol/backend.js';
import {
  decodeReplicationMessage,
  encodeStandbyStatus,
  pgTimestampNow,
  pgTimestampToDate,
} from '../../../../src/core/pg/replication/codec.js';
import type { ReplicationMessage } from '../../../../src/core/pg/replication/messages.js';
import { int64, msg, splitAt } from '../protocol/wire.js';

const xlog = (start: bigint, end: bigint, time: bigint, wal: Buffer): Buffer =>
  Buffer.concat([Buffer.from('w'), int64(start), int64(end), int64(time), wal]);
const keepalive = (end: bigint, time: bigint, reply: number): Buffer =>
  Buffer.concat([Buffer.from('k'), int64(end), int64(time), Buffer.from([reply])]);

describe('replication messages inside CopyData', () => {
  it('decodes XLogData: 25-byte header, then the WAL bytes', () => {
    const wal = Buffer.from('0123456789abcdef', 'hex');
    const m = decodeReplicationMessage(xlog(0x16_b374_d848n, 0x16_b374_e000n, 1234n, wal));
    expect(m).toEqual({
      kind: 'xlogdata', dataStart: 0x16_b374_d848n, walEnd: 0x16_b374_e000n, sendTime: 1234n, data: wal,
    });
  });

  it('decodes an XLogData with no WAL bytes and LSNs above 2^63', () => {
    const m = decodeReplicationMessage(xlog(0xffff_ffff_0000_0000n, 0xffff_ffff_ffff_ffffn, 0n, Buffer.alloc(0)));
    expect(m).toMatchObject({ dataStart: 0xffff_ffff_0000_0000n, walEnd: 0xffff_ffff_ffff_ffffn });
    expect((m as { data: Buffer }).data.length).toBe(0);
  });

  it('decodes keepalives (18 bytes) with and without a reply request', () => {
    expect(decodeReplicationMessage(keepalive(0x3000060n, 77n, 1))).toEqual({
      kind: 'keepalive', walEnd: 0x3000060n, sendTime: 77n, replyRequested: true,
    });
    expect(decodeReplicationMessage(keepalive(1n, 2n, 0))).toMatchObject({ replyRequested: false });
  });

  it('rejects short, long, unknown and empty messages', () => {
    const bad = [
      xlog(1n, 2n, 3n, Buffer.alloc(0)).subarray(0, 24),
      keepalive(1n, 2n, 0).subarray(0, 17),
      Buffer.concat([keepalive(1n, 2n, 0), Buffer.from([0])]),
      keepalive(1n, 2n, 2),
      Buffer.from('r'),
      Buffer.from('h0000000000000000'),
      Buffer.alloc(0),
    ];
    for (const payload of bad) expect(() => decodeReplicationMessage(payload)).toThrow(ProtocolError);
    expect(() => decodeReplicationMessage(Buffer.from('q'))).toThrow(/unexpected type 0x71/);
  });

  it('decodes identically when the carrying CopyData stream is split at every offset', () => {
    const payloads = [
      xlog(0x1000000n, 0x1000100n, 5n, Buffer.alloc(200, 0xab)),
      keepalive(0x1000100n, 6n, 1),
      xlog(0x1000100n, 0x1000100n, 7n, Buffer.from('tail')),
    ];
    const stream = Buffer.concat(payloads.map((p) => msg('d', p)));
    const decode = (chunks: Buffer[]): ReplicationMessage[] => {
      const parser = new BackendParser();
      return chunks
        .flatMap((c) => parser.feed(c))
        .map((m) => (m.type === 'copyData' ? decodeReplicationMessage(m.data) : expect.unreachable()));
    };
    const expected = decode([stream]);
    expect(expected.map((m) => m.kind)).toEqual(['xlogdata', 'keepalive', 'xlogdata']);
    for (let offset = 0; offset <= stream.length; offset++) {
      expect(decode(splitAt(stream, offset))).toEqual(expected);
    }
  });
});

describe('standby status update', () => {
  it('is exactly 34 bytes: r, write, flush, apply, clientTime, replyRequested', () => {
    const out = encodeStandbyStatus(
      { write: 0x1_0000_0010n, flush: 0x1_0000_0008n, apply: 0n, replyRequested: true },
      0x0102_0304_0506_0708n,
    );
    expect(out.toString('hex')).toBe(
      '72' + '0000000100000010' + '0000000100000008' + '0000000000000000' + '0102030405060708' + '01',
    );
  });

  it('defaults replyRequested to false and the time to now', () => {
    const before = pgTimestampNow();
    const out = encodeStandbyStatus({ write: 1n, flush: 0n, apply: 0n });
    expect(out.length).toBe(34);
    expect(out[33]).toBe(0);
    const sent = out.readBigInt64BE(25);
    expect(sent >= before && sent <= pgTimestampNow()).toBe(true);
  });
});

describe('protocol timestamps', () => {
  it('count microseconds from 2000-01-01 UTC', () => {
    expect(pgTimestampNow(Date.UTC(2000, 0, 1))).toBe(0n);
    expect(pgTimestampNow(Date.UTC(2000, 0, 1, 0, 0, 1))).toBe(1_000_000n);
    expect(pgTimestampToDate(86_400_000_000n).toISOString()).toBe('2000-01-02T00:00:00.000Z');
  });
});
