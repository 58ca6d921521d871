import { describe, expect, it } from 'vitest';
import { analyzeDaemonConfig } from '../../../src/core/docker/daemon-json/daemon-config.js';
import { setTopLevelBoolean } from '../../../src/core/docker/daemon-json/edit.js';

const edit = (text: string, value = true): string =>
  setTopLevelBoolean(analyzeDaemonConfig({ exists: true, bytes: Buffer.from(text) }), 'live-restore', value);

/** What the edit removed from / added to `before`: everything else must be byte-identical. */
const insertion = (before: string, after: string): string => {
  let start = 0;
  while (start < before.length && before[start] === after[start]) start += 1;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore -= 1;
    endAfter -= 1;
  }
  expect(before.slice(start, endBefore)).toBe('');
  return after.slice(start, endAfter);
};

describe('setTopLevelBoolean', () => {
  it('adds the key after the last one with the same two-space layout', () => {
    const before = '{\n  "debug": false,\n  "log-opts": {\n    "max-size": "10m"\n  }\n}\n';
    const after = edit(before);
    expect(after).toBe('{\n  "debug": false,\n  "log-opts": {\n    "max-size": "10m"\n  },\n  "live-restore": true\n}\n');
    expect(Object.keys(JSON.parse(after) as object)).toEqual(['debug', 'log-opts', 'live-restore']);
  });

  it('keeps tabs, four spaces, CRLF and the spacing around colons', () => {
    expect(edit('{\n\t"debug":true,\n\t"mtu":1500\n}')).toBe('{\n\t"debug":true,\n\t"mtu":1500,\n\t"live-restore":true\n}');
    expect(edit('{\r\n    "debug" : true\r\n}\r\n')).toBe('{\r\n    "debug" : true,\r\n    "live-restore" : true\r\n}\r\n');
  });

  it('keeps a one-line file on one line', () => {
    expect(edit('{"debug": true, "mtu": 1500}')).toBe('{"debug": true, "mtu": 1500, "live-restore": true}');
    expect(edit('{"debug":true}')).toBe('{"debug":true,"live-restore":true}');
  });

  it('only swaps the value when the key exists, wherever it is', () => {
    const before = '{\n    "live-restore": true,   \n    "debug": false\n}';
    const after = edit(before, false);
    expect(insertion(before.replace('true', ''), after.replace('false,', ','))).toBe('');
    expect(after).toBe('{\n    "live-restore": false,   \n    "debug": false\n}');
  });

  it('fills an empty object and creates an absent file', () => {
    expect(edit('{}\n')).toBe('{\n  "live-restore": true\n}\n');
    expect(edit('  {\r\n  }')).toBe('  {\r\n    "live-restore": true\r\n  }');
    expect(setTopLevelBoolean(analyzeDaemonConfig({ exists: false, bytes: Buffer.alloc(0) }), 'live-restore', true)).toBe(
      '{\n  "live-restore": true\n}\n',
    );
  });

  it('leaves every other byte alone, comments-free odd spacing included', () => {
    const before = '  {  "dns" :["1.1.1.1"] ,\n"log-opts":{"x":null}\t}  \n\n';
    const after = edit(before);
    expect(insertion(before, after)).toMatch(/^,\s*"live-restore"\s*:\s*true$/);
    expect(JSON.parse(after)).toEqual({ dns: ['1.1.1.1'], 'log-opts': { x: null }, 'live-restore': true });
  });

  it('refuses to edit a file with problems', () => {
    expect(() => edit('{"live-restore": "yes"}')).toThrow(/valid JSON object/);
  });
});
