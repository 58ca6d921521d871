import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { parseLsn } from '../../../src/core/wal/lsn.js';
import {
  formatTimelineHistory, parseTimelineHistory, switchpointOf, timelineForLsn,
} from '../../../src/core/wal/timeline-history.js';

// The shape a server writes for 00000003.history after two promotions.
const serverText = '1\t0/3000148\tno recovery target specified\n\n2\t0/5000000\tat restore point "before"\n';

describe('parseTimelineHistory', () => {
  it('reads the server format', () => {
    expect(parseTimelineHistory(serverText)).toEqual([
      { timeline: 1, switchLsn: parseLsn('0/3000148'), reason: 'no recovery target specified' },
      { timeline: 2, switchLsn: parseLsn('0/5000000'), reason: 'at restore point "before"' },
    ]);
  });

  it('skips comments, blank lines and leading white space, accepts CRLF and no reason', () => {
    const text = '# written by hand\n\n   1\t0/10\r\n\t# indented comment\n5\t1/0\n';
    expect(parseTimelineHistory(text)).toEqual([
      { timeline: 1, switchLsn: 0x10n, reason: '' },
      { timeline: 5, switchLsn: 0x1_0000_0000n, reason: '' },
    ]);
  });

  it('parses an empty file as no entries', () => {
    expect(parseTimelineHistory('')).toEqual([]);
  });

  it.each([
    ['x\t0/1\treason\n', /numeric timeline ID/],
    ['1\n', /switchpoint location/],
    ['1\tnot-an-lsn\tr\n', /switchpoint location/],
    ['0\t0/1\tr\n', /out of range/],
    ['2\t0/1\tr\n2\t0/2\tr\n', /increasing sequence/],
    ['3\t0/1\tr\n2\t0/2\tr\n', /increasing sequence \(line 2\)/],
  ])('rejects %j', (text, message) => {
    expect(() => parseTimelineHistory(text)).toThrow(ValidationError);
    expect(() => parseTimelineHistory(text)).toThrow(message);
  });
});

describe('formatTimelineHistory', () => {
  it('round-trips what it parses', () => {
    const entries = parseTimelineHistory(serverText);
    const text = formatTimelineHistory(entries);
    expect(text).toBe('1\t0/3000148\tno recovery target specified\n2\t0/5000000\tat restore point "before"\n');
    expect(parseTimelineHistory(text)).toEqual(entries);
  });
});

describe('timelineForLsn', () => {
  const entries = parseTimelineHistory(serverText);
  it.each([
    ['0/0', 1], ['0/3000147', 1], ['0/3000148', 2], ['0/4FFFFFF', 2], ['0/5000000', 3], ['FF/0', 3],
  ])('%s was written on timeline %i', (lsn, tli) => {
    expect(timelineForLsn(entries, 3, parseLsn(lsn))).toBe(tli);
  });
  it('finds switchpoints', () => {
    expect(switchpointOf(entries, 2)).toBe(parseLsn('0/5000000'));
    expect(switchpointOf(entries, 3)).toBeUndefined();
  });
});
