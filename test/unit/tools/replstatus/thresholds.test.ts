import { describe, expect, it } from 'vitest';
import { parseBytes, parseLimit, parseSeconds } from '../../../../src/tools/replstatus/thresholds.js';

describe('replstatus thresholds', () => {
  it('reads sizes in PostgreSQL units (1 kB = 1024 bytes) and durations', () => {
    expect(parseLimit('16MB', 'x')).toEqual({ kind: 'bytes', value: 16 * 1024 * 1024 });
    expect(parseLimit('100', 'x')).toEqual({ kind: 'bytes', value: 100 });
    expect(parseLimit('1.5GB', 'x')).toEqual({ kind: 'bytes', value: 1.5 * 1024 ** 3 });
    expect(parseLimit('30s', 'x')).toEqual({ kind: 'seconds', value: 30 });
    expect(parseLimit('2min', 'x')).toEqual({ kind: 'seconds', value: 120 });
    expect(parseLimit('250ms', 'x')).toEqual({ kind: 'seconds', value: 0.25 });
    expect(parseSeconds('45', 'x')).toBe(45);
    expect(parseSeconds('1h', 'x')).toBe(3600);
    expect(parseBytes('2kB', 'x')).toBe(2048);
  });

  it('names the option and what it expected on bad input', () => {
    expect(() => parseLimit('lots', 'option --warn-lag')).toThrow(/invalid value "lots" for option --warn-lag: expected a size/);
    expect(() => parseLimit('5 parsecs', 'option --warn-lag')).toThrow(/option --warn-lag/);
    expect(() => parseBytes('30s', 'option --warn-slot-retention')).toThrow(/expected a size such as 1GB/);
    expect(() => parseSeconds('1GB', 'option --stall')).toThrow(/expected a duration such as 30s/);
    expect(() => parseLimit('-1MB', 'option --crit-lag')).toThrow(/option --crit-lag/);
  });
});
