import { describe, expect, it } from 'vitest';
import { canonicalizePath, isSafeRelativePath } from '../../../src/core/backup/canonical-path.js';

describe('canonicalizePath (PostgreSQL rules)', () => {
  it.each([
    ['/a//b/', '/a/b'],
    ['/a/./b/.', '/a/b'],
    ['/a/b/../c', '/a/c'],
    ['/../..', '/'],
    ['/', '/'],
    ['a/../..', '..'],
    ['../dir/..', '..'],
    ['a/..', '.'],
    ['./x', 'x'],
    ['../../x/y/../z', '../../x/z'],
  ])('%s → %s', (input, output) => {
    expect(canonicalizePath(input)).toBe(output);
  });
});

describe('isSafeRelativePath', () => {
  it.each(['base/1/1259', 'pg_wal/', 'a/../b', './PG_VERSION', 'pg_tblspc/16384'])('accepts %s', (p) => {
    expect(isSafeRelativePath(p)).toBe(true);
  });
  it.each(['/etc/passwd', '../x', 'a/../../x', '..', '', 'a\0b', 'x/../..'])('refuses %j', (p) => {
    expect(isSafeRelativePath(p)).toBe(false);
  });
});
