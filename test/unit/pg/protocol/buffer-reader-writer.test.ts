import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/core/errors.js';
import { BufferReader } from '../../../../src/core/pg/protocol/buffer-reader.js';
import { BufferWriter } from '../../../../src/core/pg/protocol/buffer-writer.js';

describe('BufferReader', () => {
  it('reads every wire type in order and tracks the cursor', () => {
    const bytes = Buffer.from('ff' + 'fffe' + '80000000' + 'fffffffffffffffe' + 'ffffffffffffffff' + '6869000102', 'hex');
    const r = new BufferReader(bytes);
    expect(r.int8()).toBe(255);
    expect(r.int16()).toBe(-2);
    expect(r.int32()).toBe(-2147483648);
    expect(r.int64()).toBe(-2n);
    expect(r.uint64()).toBe(0xffff_ffff_ffff_ffffn);
    expect(r.cstring()).toBe('hi');
    expect(r.position).toBe(26);
    expect([...r.bytes(2)]).toEqual([1, 2]);
    expect(r.remaining).toBe(0);
    r.end();
  });

  it('throws ProtocolError on every kind of overrun', () => {
    expect(() => new BufferReader(Buffer.alloc(1)).int16()).toThrow(ProtocolError);
    expect(() => new BufferReader(Buffer.alloc(3)).int32()).toThrow(ProtocolError);
    expect(() => new BufferReader(Buffer.alloc(7)).int64()).toThrow(ProtocolError);
    expect(() => new BufferReader(Buffer.from('abc')).cstring()).toThrow(/unterminated string/);
    expect(() => new BufferReader(Buffer.alloc(2)).bytes(3)).toThrow(ProtocolError);
    expect(() => new BufferReader(Buffer.alloc(2)).bytes(-1)).toThrow(/negative length/);
    expect(() => new BufferReader(Buffer.alloc(0)).int8()).toThrow(ProtocolError);
  });

  it('refuses trailing bytes at end()', () => {
    const r = new BufferReader(Buffer.alloc(3), 'thing');
    r.int16();
    expect(() => r.end()).toThrow(/Cannot decode thing: 1 unexpected trailing byte/);
  });
});

describe('BufferWriter', () => {
  it('fills the reserved header with type and length on flush', () => {
    const out = new BufferWriter().int8(1).int16(-1).int32(7).cstring('é').flush('Q');
    expect(out.toString('hex')).toBe('51' + '0000000e' + '01' + 'ffff' + '00000007' + 'c3a900');
  });

  it('writes untyped messages with the length first', () => {
    expect(new BufferWriter().int32(80877103).flushUntyped().toString('hex')).toBe('0000000804d2162f');
  });

  it('grows past its initial size without losing bytes', () => {
    const big = Buffer.alloc(10_000, 7);
    const out = new BufferWriter(1).int8(9).bytes(big).uint64(0x0102030405060708n).flush('d');
    expect(out.length).toBe(5 + 1 + 10_000 + 8);
    expect(out.readInt32BE(1)).toBe(4 + 1 + 10_000 + 8);
    expect(out[5]).toBe(9);
    expect(out.subarray(6, 10_006).equals(big)).toBe(true);
    expect(out.readBigUInt64BE(10_006)).toBe(0x0102030405060708n);
  });

  it('gives every message its own buffer', () => {
    const a = new BufferWriter().cstring('a').flush('Q');
    const b = new BufferWriter().cstring('b').flush('Q');
    expect(a.toString('latin1', 5)).toBe('a\0');
    expect(b.toString('latin1', 5)).toBe('b\0');
  });
});
