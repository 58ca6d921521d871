import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/tools/live-restore/diff.js';

describe('unifiedDiff', () => {
  it('shows an added member with context, like diff -u', () => {
    const before = '{\n  "debug": false,\n  "mtu": 1500\n}\n';
    const after = '{\n  "debug": false,\n  "mtu": 1500,\n  "live-restore": true\n}\n';
    expect(unifiedDiff(before, after, 'daemon.json')).toBe(
      ['--- daemon.json', '+++ daemon.json', '@@ -1,4 +1,5 @@', ' {', '   "debug": false,', '-  "mtu": 1500', '+  "mtu": 1500,', '+  "live-restore": true', ' }'].join('\n'),
    );
  });

  it('shows a created file against /dev/null', () => {
    expect(unifiedDiff('', '{}\n', 'daemon.json')).toBe('--- /dev/null\n+++ daemon.json\n@@ -0,0 +1,1 @@\n+{}');
  });

  it('keeps far-apart changes in separate hunks', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l1\n', 'L1\n').replace('l18', 'L18');
    const hunks = unifiedDiff(before, after, 'f').split('\n').filter((l) => l.startsWith('@@'));
    expect(hunks).toEqual(['@@ -1,5 +1,5 @@', '@@ -16,5 +16,5 @@']);
  });
});
