import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/core/errors.js';
import { BackendParser, type CopyDataPieces } from '../../../../src/core/pg/protocol/backend.js';
import type { BackendMessage } from '../../../../src/core/pg/protocol/messages.js';
import { cstr, int16, int32, int64, msg, splitAt } from './wire.js';

const fieldBytes = (name: string, typeOid: number): Buffer =>
  Buffer.concat([cstr(name), int32(0), int16(0), int32(typeOid), int16(-1), int32(-1), int16(0)]);

const field = (name: string, typeOid: number) => ({
  name, tableOid: 0, columnNumber: 0, typeOid, typeSize: -1, typeModifier: -1, format: 0,
});

/** Every backend message we decode, as raw bytes and the value it must decode to. */
const cases: readonly (readonly [string, Buffer, BackendMessage])[] = [
  ['AuthenticationOk', msg('R', int32(0)), { type: 'authenticationOk' }],
  ['AuthenticationCleartextPassword', msg('R', int32(3)), { type: 'authenticationCleartextPassword' }],
  ['AuthenticationMD5Password', msg('R', int32(5), Buffer.from('abcd')),
    { type: 'authenticationMD5Password', salt: Buffer.from('abcd') }],
  ['AuthenticationSASL', msg('R', int32(10), cstr('SCRAM-SHA-256-PLUS'), cstr('SCRAM-SHA-256'), cstr('')),
    { type: 'authenticationSASL', mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] }],
  ['AuthenticationSASLContinue', msg('R', int32(11), Buffer.from('r=x,s=y,i=4096')),
    { type: 'authenticationSASLContinue', data: Buffer.from('r=x,s=y,i=4096') }],
  ['AuthenticationSASLFinal', msg('R', int32(12), Buffer.from('v=abc')),
    { type: 'authenticationSASLFinal', data: Buffer.from('v=abc') }],
  ['AuthenticationGSS', msg('R', int32(7)), { type: 'authenticationUnsupported', code: 7 }],
  ['BackendKeyData', msg('K', int32(4242), int32(-7)),
    { type: 'backendKeyData', processId: 4242, secretKey: int32(-7) }],
  ['ParameterStatus', msg('S', cstr('integer_datetimes'), cstr('on')),
    { type: 'parameterStatus', name: 'integer_datetimes', value: 'on' }],
  ['ReadyForQuery', msg('Z', Buffer.from('I')), { type: 'readyForQuery', status: 'I' }],
  ['RowDescription', msg('T', int16(2), fieldBytes('systemid', 25), fieldBytes('timeline', 23)),
    { type: 'rowDescription', fields: [field('systemid', 25), field('timeline', 23)] }],
  ['DataRow', msg('D', int16(3), int32(3), Buffer.from('abc'), int32(-1), int32(0)),
    { type: 'dataRow', values: [Buffer.from('abc'), null, Buffer.alloc(0)] }],
  ['CommandComplete', msg('C', cstr('SELECT 1')), { type: 'commandComplete', tag: 'SELECT 1' }],
  ['EmptyQueryResponse', msg('I'), { type: 'emptyQueryResponse' }],
  ['ErrorResponse', msg('E', Buffer.from('S'), cstr('ERROR'), Buffer.from('C'), cstr('42710'),
    Buffer.from('M'), cstr('replication slot "s" already exists'), Buffer.from([0])),
    { type: 'errorResponse', fields: { S: 'ERROR', C: '42710', M: 'replication slot "s" already exists' } }],
  ['NoticeResponse', msg('N', Buffer.from('S'), cstr('WARNING'), Buffer.from('H'), cstr('hint'), Buffer.from([0])),
    { type: 'noticeResponse', fields: { S: 'WARNING', H: 'hint' } }],
  ['NotificationResponse', msg('A', int32(9), cstr('chan'), cstr('payload')),
    { type: 'notificationResponse', processId: 9, channel: 'chan', payload: 'payload' }],
  ['CopyInResponse', msg('G', Buffer.from([0]), int16(1), int16(0)),
    { type: 'copyInResponse', format: 0, columnFormats: [0] }],
  ['CopyOutResponse', msg('H', Buffer.from([0]), int16(0)),
    { type: 'copyOutResponse', format: 0, columnFormats: [] }],
  ['CopyBothResponse', msg('W', Buffer.from([0]), int16(0)),
    { type: 'copyBothResponse', format: 0, columnFormats: [] }],
  ['CopyData', msg('d', Buffer.from('w'), int64(0x1000000n), int64(0x1000003n), int64(5n), Buffer.from('WAL')),
    { type: 'copyData', data: Buffer.concat([Buffer.from('w'), int64(0x1000000n), int64(0x1000003n), int64(5n), Buffer.from('WAL')]) }],
  ['CopyDone', msg('c'), { type: 'copyDone' }],
  ['NegotiateProtocolVersion', msg('v', int32(0), int32(1), cstr('_pq_.x')),
    { type: 'negotiateProtocolVersion', newestMinor: 0, unsupportedOptions: ['_pq_.x'] }],
];

const parseChunks = (chunks: readonly Buffer[]): BackendMessage[] => {
  const parser = new BackendParser();
  const out = chunks.flatMap((chunk) => parser.feed(chunk));
  if (!parser.atMessageBoundary || parser.pendingBytes !== 0) throw new Error('parser left mid-message');
  return out;
};

/** A cheap exact comparison key (buffers as hex) for the many-split loops. */
const fingerprint = (messages: readonly BackendMessage[]): string =>
  JSON.stringify(messages, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer'
      ? `hex:${Buffer.from((value as { data: number[] }).data).toString('hex')}`
      : value,
  );

describe('BackendParser decodes every message', () => {
  it.each(cases)('%s in one chunk', (_name, bytes, expected) => {
    expect(parseChunks([bytes])).toEqual([expected]);
  });

  it.each(cases)('%s split at every byte offset', (_name, bytes, expected) => {
    for (let offset = 0; offset <= bytes.length; offset++) {
      expect(parseChunks(splitAt(bytes, offset))).toEqual([expected]);
    }
  });

  it.each(cases)('%s fed one byte at a time', (_name, bytes, expected) => {
    const bytewise = [...bytes].map((b) => Buffer.from([b]));
    expect(parseChunks(bytewise)).toEqual([expected]);
  });
});

describe('BackendParser on a stream of many messages', () => {
  const stream = Buffer.concat(cases.map(([, bytes]) => bytes));
  const expected = cases.map(([, , message]) => message);

  it('decodes them all from one chunk, in order', () => {
    expect(parseChunks([stream])).toEqual(expected);
  });

  it('decodes them identically when split at every offset', () => {
    for (let offset = 0; offset <= stream.length; offset++) {
      expect(parseChunks(splitAt(stream, offset))).toEqual(expected);
    }
  });

  it('decodes them identically when split at every pair of offsets', () => {
    // Every pair over the first 200 bytes covers splits inside headers, inside bodies and
    // across message boundaries several times over; the rest is covered by the loop above.
    const limit = Math.min(200, stream.length);
    const want = fingerprint(expected);
    const mismatches: string[] = [];
    for (let a = 0; a <= limit; a++) {
      for (let b = a; b <= limit; b++) {
        if (fingerprint(parseChunks(splitAt(stream, a, b))) !== want) mismatches.push(`${a},${b}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('reports pending bytes while a message is incomplete', () => {
    const parser = new BackendParser();
    const bytes = msg('d', Buffer.alloc(100, 1));
    expect(parser.feed(bytes.subarray(0, 3))).toEqual([]);
    expect(parser.pendingBytes).toBe(3);
    expect(parser.feed(bytes.subarray(3, 50))).toEqual([]);
    expect(parser.pendingBytes).toBe(50);
    expect(parser.atMessageBoundary).toBe(false);
    expect(parser.feed(bytes.subarray(50))).toHaveLength(1);
    expect(parser.pendingBytes).toBe(0);
  });
});

describe('where decoded messages keep their bytes', () => {
  it('a message whole inside one chunk is decoded in place, without a copy', () => {
    const chunk = Buffer.concat([msg('d', Buffer.from('hello')), msg('D', int16(1), int32(2), Buffer.from('ok'))]);
    const parser = new BackendParser();
    const [copy, row] = parser.feed(chunk);
    expect(copy).toEqual({ type: 'copyData', data: Buffer.from('hello') });
    expect(row).toEqual({ type: 'dataRow', values: [Buffer.from('ok')] });
    // Views of the chunk: the socket hands out a fresh chunk every time, so this is safe.
    expect(copy?.type === 'copyData' && copy.data.buffer).toBe(chunk.buffer);
    expect(copy?.type === 'copyData' && copy.data.byteOffset).toBe(chunk.byteOffset + 5);
  });

  it('a Uint8Array chunk is read the same way', () => {
    const bytes = msg('d', Buffer.from('abc'));
    const plain = new Uint8Array(bytes.length);
    plain.set(bytes);
    expect(new BackendParser().feed(plain)).toEqual([{ type: 'copyData', data: Buffer.from('abc') }]);
  });

  it('does not change when a chunk holding only part of it is reused', () => {
    const bytes = msg('d', Buffer.from('0123456789'));
    const reused = Buffer.alloc(8);
    const parser = new BackendParser();
    bytes.copy(reused, 0, 0, 8);
    expect(parser.feed(reused)).toEqual([]);
    reused.fill(0);
    bytes.copy(reused, 0, 8);
    const [copy] = parser.feed(reused.subarray(0, bytes.length - 8));
    reused.fill(0xff);
    expect(copy).toEqual({ type: 'copyData', data: Buffer.from('0123456789') });
  });
});

describe('BackendParser rejects broken input with ProtocolError', () => {
  const rejects = (bytes: Buffer, pattern: RegExp): void => {
    const parser = new BackendParser();
    expect(() => parser.feed(bytes)).toThrow(ProtocolError);
    expect(() => new BackendParser().feed(bytes)).toThrow(pattern);
    // A failed stream stays failed: nothing after the error is decoded.
    expect(() => parser.feed(msg('Z', Buffer.from('I')))).toThrow(/already failed/);
  };

  it('unknown type byte, as soon as the header arrives', () => {
    rejects(Buffer.from('HTTP/1.1 400 Bad Request'), /invalid length|too long/);
    rejects(Buffer.concat([Buffer.from('X'), int32(4)]), /unknown message type 0x58/);
    rejects(Buffer.from([0x31, 0, 0, 0, 4]), /unknown message type 0x31/);
  });

  it('lengths below 4, negative, or beyond 1 GB', () => {
    rejects(Buffer.concat([Buffer.from('Z'), int32(3)]), /invalid length 3/);
    rejects(Buffer.concat([Buffer.from('d'), int32(-1)]), /invalid length -1/);
    rejects(Buffer.concat([Buffer.from('d'), int32(0x4000_0000)]), /invalid length 1073741824/);
  });

  it('a long length on a message type that is never long', () => {
    rejects(Buffer.concat([Buffer.from('Z'), int32(30_001)]), /too long for its type/);
  });

  it('bodies shorter or longer than their fields', () => {
    rejects(msg('Z', Buffer.from('IX')), /trailing byte/);
    rejects(msg('Z', Buffer.from('Q')), /transaction status/);
    rejects(msg('R', int32(5), Buffer.from('abc')), /needed 4 byte/);
    rejects(msg('R', int32(99)), /unknown authentication request 99/);
    rejects(msg('D', int16(1), int32(10), Buffer.from('abc')), /needed 10 byte/);
    rejects(msg('D', int16(1), int32(-2)), /negative length/);
    rejects(msg('T', int16(-1)), /negative field count/);
    rejects(msg('C', Buffer.from('SELECT 1')), /unterminated string/);
    rejects(msg('S', cstr('a')), /unterminated string|needed/);
    rejects(msg('K', int32(1), Buffer.from('ab')), /cancel key of 2 bytes/);
    rejects(msg('c', Buffer.from([0])), /trailing byte/);
    rejects(msg('E', Buffer.from('S'), cstr('ERROR')), /needed 1 byte/);
  });

  it('garbage after a valid message fails without losing the valid one first', () => {
    const parser = new BackendParser();
    expect(parser.feed(msg('Z', Buffer.from('I')))).toEqual([{ type: 'readyForQuery', status: 'I' }]);
    expect(() => parser.feed(Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04]))).toThrow(ProtocolError);
  });
});

describe('CopyData in pieces (BackendParser.copyDataPieces)', () => {
  /** Feeds `chunks` with `mode`; returns the messages and each copy payload joined with its pieces. */
  const feedPieces = (mode: CopyDataPieces, chunks: readonly Buffer[]) => {
    const parser = new BackendParser();
    parser.copyDataPieces = mode;
    const messages = chunks.flatMap((chunk) => parser.feed(chunk));
    const payloads: Buffer[] = [];
    for (const m of messages) {
      if (m.type === 'copyData') payloads.push(m.data);
      else if (m.type === 'copyDataPiece') payloads.push(Buffer.concat([payloads.pop() ?? Buffer.alloc(0), m.data]));
    }
    return { messages, payloads, parser };
  };
  const archive = Buffer.from('d' + 'tar bytes '.repeat(20));
  const progress = Buffer.concat([Buffer.from('p'), Buffer.alloc(8, 7)]);
  const stream = Buffer.concat([msg('d', archive), msg('d', progress), msg('C', Buffer.from('x\0')), msg('d', archive)]);

  it('joins back to the same payloads, split at every offset, in both modes', () => {
    for (const mode of ['any', 'typedData'] as const) {
      for (let cut = 0; cut <= stream.length; cut++) {
        const { payloads, messages, parser } = feedPieces(mode, [stream.subarray(0, cut), stream.subarray(cut)]);
        expect(payloads, `${mode} at ${cut}`).toEqual([archive, progress, archive]);
        expect(messages.filter((m) => m.type === 'commandComplete')).toHaveLength(1);
        expect(parser.atMessageBoundary).toBe(true);
      }
    }
  });

  it('passes split archive data on as views of the chunks, never gathered', () => {
    const bytes = msg('d', archive);
    const first = bytes.subarray(0, 60);
    const second = bytes.subarray(60);
    const { messages, parser } = feedPieces('typedData', [first]);
    expect(messages).toEqual([{ type: 'copyData', data: bytes.subarray(5, 60) }]);
    expect(parser.atMessageBoundary).toBe(false);
    const rest = parser.feed(second);
    expect(rest).toEqual([{ type: 'copyDataPiece', data: second }]);
    expect(rest[0]?.type === 'copyDataPiece' && rest[0].data.buffer).toBe(second.buffer);
  });

  it("typedData gathers the other base backup messages ('p' here) and a first piece of one byte", () => {
    const bytes = msg('d', progress);
    expect(feedPieces('typedData', [bytes.subarray(0, 8), bytes.subarray(8)]).messages)
      .toEqual([{ type: 'copyData', data: progress }]);
    const data = msg('d', archive);
    expect(feedPieces('typedData', [data.subarray(0, 6), data.subarray(6)]).messages)
      .toEqual([{ type: 'copyData', data: archive }]);
  });

  it("'off' (the default) gathers every split message", () => {
    const bytes = msg('d', archive);
    expect(feedPieces('off', [bytes.subarray(0, 60), bytes.subarray(60)]).messages)
      .toEqual([{ type: 'copyData', data: archive }]);
  });
});
