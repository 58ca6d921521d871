import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import {
  addLsn, compareLsn, formatLsn, formatLsnPadded, lsnDiff, MAX_LSN, parseLsn,
} from '../../../src/core/wal/lsn.js';

describe('parseLsn', () => {
  it.each([
    ['0/0', 0n],
    ['16/B374D848', 0x16_b374d848n],
    ['0/0000ABCD', 0xabcdn],
    ['1/00000000', 0x1_0000_0000n],
    ['ffffffff/ffffffff', MAX_LSN],
    [' 2/A ', 0x2_0000_000an],
  ])('parses %s', (text, value) => {
    expect(parseLsn(text)).toBe(value);
  });

  it.each(['', '0', '/', '0/', '/0', 'G/0', '0/0/0', '123456789/0', '0/123456789', '0x1/0', '-1/0', '1 /0'])(
    'rejects %j with a ValidationError',
    (text) => {
      expect(() => parseLsn(text)).toThrow(ValidationError);
      expect(() => parseLsn(text)).toThrow(/Cannot parse LSN/);
    },
  );
});

describe('formatLsn', () => {
  it('prints %X/%X without padding like PostgreSQL 18', () => {
    expect(formatLsn(0x16_b374d848n)).toBe('16/B374D848');
    expect(formatLsn(0xabcdn)).toBe('0/ABCD');
    expect(formatLsn(0n)).toBe('0/0');
  });
  it('prints %X/%08X like PostgreSQL 19', () => {
    expect(formatLsnPadded(0xabcdn)).toBe('0/0000ABCD');
    expect(formatLsnPadded(MAX_LSN)).toBe('FFFFFFFF/FFFFFFFF');
  });
  it('round-trips both forms', () => {
    for (const value of [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x1234_5678_9abc_def0n, MAX_LSN]) {
      expect(parseLsn(formatLsn(value))).toBe(value);
      expect(parseLsn(formatLsnPadded(value))).toBe(value);
    }
  });
  it('refuses values outside 64 bits', () => {
    expect(() => formatLsn(-1n)).toThrow(ValidationError);
    expect(() => formatLsn(MAX_LSN + 1n)).toThrow(ValidationError);
  });
});

describe('arithmetic', () => {
  it('adds, diffs and compares with bigint precision past 2^53', () => {
    const big = 0x20_0000_0000_0000n;
    expect(addLsn(big, 1)).toBe(big + 1n);
    expect(lsnDiff(big + 5n, big)).toBe(5n);
    expect(lsnDiff(big, big + 5n)).toBe(-5n);
    expect(compareLsn(big, big + 1n)).toBe(-1);
    expect(compareLsn(big, big)).toBe(0);
  });
  it('refuses to wrap past the end of the LSN space', () => {
    expect(() => addLsn(MAX_LSN, 1n)).toThrow(ValidationError);
  });
});
