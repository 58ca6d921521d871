import { describe, expect, it } from 'vitest';
import { parseSyncStandbyNames, standbyPriority } from '../../../../src/tools/replstatus/sync-standby-names.js';

// The forms synchronous_standby_names takes, as the server's grammar reads them.
describe('parseSyncStandbyNames', () => {
  it.each([
    ['', null],
    ['   ', null],
    ['s1', { method: 'priority', required: 1, names: ['s1'] }],
    ['s1, s2,s3', { method: 'priority', required: 1, names: ['s1', 's2', 's3'] }],
    ['2 (s1, s2, s3)', { method: 'priority', required: 2, names: ['s1', 's2', 's3'] }],
    ['FIRST 2 (s1, s2)', { method: 'priority', required: 2, names: ['s1', 's2'] }],
    ['first 1(s1)', { method: 'priority', required: 1, names: ['s1'] }],
    ['ANY 2 (s1, s2, s3)', { method: 'quorum', required: 2, names: ['s1', 's2', 's3'] }],
    ['Any 1 (*)', { method: 'quorum', required: 1, names: ['*'] }],
    ['*', { method: 'priority', required: 1, names: ['*'] }],
    ['"first", "Any"', { method: 'priority', required: 1, names: ['first', 'Any'] }],
    ['"a ""quoted"" name", b$1', { method: 'priority', required: 1, names: ['a "quoted" name', 'b$1'] }],
    ['anyone, firstly', { method: 'priority', required: 1, names: ['anyone', 'firstly'] }],
    ['1, 2', { method: 'priority', required: 1, names: ['1', '2'] }],
    ['ANY 2 (1, 2)', { method: 'quorum', required: 2, names: ['1', '2'] }],
  ])('%j', (text, expected) => {
    expect(parseSyncStandbyNames(text)).toEqual(expected);
  });

  it.each([
    ['FIRST', /a number must follow FIRST/],
    ['ANY (s1)', /a number must follow ANY/],
    ['2 (s1', /expected "\)"/],
    ['0 (s1)', /greater than zero/],
    ['FIRST 2 s1', /expected "\("/],
    ['s1 s2', /unexpected text/],
    ['s1,', /a standby name was expected/],
    ['"open', /unterminated quoted identifier/],
    ['s-1', /unexpected text|unexpected character/],
    ['first', /a number must follow FIRST/],
  ])('%j is refused as the server refuses it', (text, message) => {
    expect(() => parseSyncStandbyNames(text)).toThrow(message);
  });
});

describe('standbyPriority', () => {
  const priority = parseSyncStandbyNames('FIRST 1 (s1, "S2", *)');
  const quorum = parseSyncStandbyNames('ANY 1 (s1, s2)');

  it('is the 1-based place of the first match, case-insensitive, * matching the rest', () => {
    if (priority === null || quorum === null) throw new Error('parsed');
    expect(standbyPriority(priority, 's1')).toBe(1);
    expect(standbyPriority(priority, 'S1')).toBe(1);
    expect(standbyPriority(priority, 's2')).toBe(2);
    expect(standbyPriority(priority, 'other')).toBe(3);
    expect(standbyPriority(quorum, 's2')).toBe(1);
    expect(standbyPriority(quorum, 'other')).toBe(0);
  });
});
