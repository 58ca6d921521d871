import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, lineColumnAt, parseJsonWithPositions } from '../../../src/core/docker/daemon-json/json-positions.js';

const errorOf = (text: string): JsonSyntaxError => {
  try {
    parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error;
    throw error;
  }
  throw new Error(`parsed: ${text}`);
};

describe('parseJsonWithPositions', () => {
  it('returns the values JSON.parse returns', () => {
    const text = '{"a": [1, -2.5e3, true, false, null], "b": {"c": "\\u00e9\\n\\"x\\""}, "d": ""}';
    const node = parseJsonWithPositions(text);
    const toValue = (n: ReturnType<typeof parseJsonWithPositions>): unknown =>
      n.kind === 'object'
        ? Object.fromEntries(n.members.map((m) => [m.key, toValue(m.value)]))
        : n.kind === 'array'
          ? n.items.map(toValue)
          : n.value;
    expect(toValue(node)).toEqual(JSON.parse(text));
  });

  it('records where keys and values start and end', () => {
    const text = '{\n  "debug": true,\n  "live-restore" : false\n}\n';
    const node = parseJsonWithPositions(text);
    if (node.kind !== 'object') throw new Error('not an object');
    const [debug, live] = node.members;
    expect(text.slice(debug!.keyStart, debug!.keyEnd)).toBe('"debug"');
    expect(text.slice(debug!.value.start, debug!.value.end)).toBe('true');
    expect(text.slice(live!.keyStart, live!.keyEnd)).toBe('"live-restore"');
    expect(text.slice(live!.value.start, live!.value.end)).toBe('false');
    expect(text.slice(node.start, node.end)).toBe(text.trimEnd());
  });

  it.each([
    ['{"a": 1,}', 1, 9, /expected a string key/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected ',' or '}'/],
    ['{\n\t"a": tru\n}', 2, 7, /unexpected character 't'/],
    ['{"a": "x\ny"}', 1, 9, /control character/],
    ['{"a": 01}', 1, 8, /expected ',' or '}'/],
    ['{"a": 1} x', 1, 10, /after the top-level value/],
    ['{"a": "\\q"}', 1, 8, /invalid escape/],
    ['{"a": 1', 1, 8, /end of input/],
    ['{"a": "é', 1, 7, /unterminated string/],
    ['{"é": -}', 1, 7, /invalid number/],
    ["{'a': 1}", 1, 2, /expected a string key/],
    ['{"a": 1 // c\n}', 1, 9, /expected ',' or '}'/],
  ])('rejects %j at line %i, column %i', (text, line, column, reason) => {
    const error = errorOf(text);
    expect(error.message).toMatch(reason);
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toContain(`line ${line}, column ${column}`);
  });

  it('agrees with JSON.parse on what is valid, for many mutations of a real daemon.json', () => {
    const base = '{\n  "log-opts": {"max-size": "10m", "max-file": "3"},\n  "dns": ["1.1.1.1"],\n  "mtu": 1500,\n  "live-restore": true\n}\n';
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', '0', '-', 'e', '.', 't', 'n', '\t', 'é', '\u0001'];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const seen = { valid: 0, invalid: 0 };
    for (let i = 0; i < 3000; i += 1) {
      let text = base;
      for (let k = 0; k <= random(3); k += 1) {
        const at = random(text.length + 1);
        const op = random(3);
        const ch = alphabet[random(alphabet.length)] ?? '';
        text = op === 0 ? text.slice(0, at) + ch + text.slice(at) : op === 1 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + ch + text.slice(at + 1);
      }
      let expected = true;
      try {
        JSON.parse(text);
      } catch {
        expected = false;
      }
      let actual = true;
      try {
        parseJsonWithPositions(text);
      } catch (error) {
        expect(error).toBeInstanceOf(JsonSyntaxError);
        actual = false;
      }
      expect(actual, JSON.stringify(text)).toBe(expected);
      seen[expected ? 'valid' : 'invalid'] += 1;
    }
    // Both outcomes must be well represented, or the comparison proves little.
    expect(seen.valid).toBeGreaterThan(300);
    expect(seen.invalid).toBeGreaterThan(300);
  });
});

describe('lineColumnAt', () => {
  it('counts lines from 1 and columns in characters', () => {
    const text = 'ab\ncé\r\nxyz';
    expect(lineColumnAt(text, 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt(text, 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumnAt(text, 8)).toEqual({ line: 3, column: 2 });
  });
});
