import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCompressedSegmentFile } from '../../../src/core/wal/compressed-segment-file.js';
import { openPlainSegmentFile } from '../../../src/core/wal/segment-file.js';
import { findStreamingStart } from '../../../src/core/wal/streaming-start.js';
import { writeHistoryFile } from '../../../src/tools/receivewal/history-file.js';

// Hostile files: a receiver's directory that others can write to, with links planted under
// the names receivewal writes (.partial, NAME.history.tmp) aimed at a file outside. The
// target must keep its content and mode; WAL never goes through a link.

const MB = 1024 * 1024;
const SEG = '000000010000000000000003';
let root: string;
let dir: string;
let target: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ws-planted-'));
  dir = join(root, 'wal');
  mkdirSync(dir);
  target = join(root, 'precious');
  writeFileSync(target, 'do not touch', { mode: 0o644 });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const untouched = (): void => {
  expect(readFileSync(target, 'utf8')).toBe('do not touch');
  expect(statSync(target).mode & 0o777).toBe(0o644);
};

describe('receivewal never writes through a planted link', () => {
  it('an existing newest .partial that is a link is refused, not reopened', async () => {
    symlinkSync(target, join(dir, `${SEG}.partial`));
    await expect(findStreamingStart(dir, 16 * MB)).rejects.toThrow(`"${SEG}.partial" is not a regular file`);
    await expect(openPlainSegmentFile({ dir, segmentName: SEG, segSize: 16 * MB, sync: false, mode: 0o600 }))
      .rejects.toThrow('is not a regular file');
    untouched();
  });

  it('a compressed .partial that is a link is refused, not truncated', async () => {
    symlinkSync(target, join(dir, `${SEG}.gz.partial`));
    await expect(openCompressedSegmentFile({
      dir, segmentName: SEG, segSize: 16 * MB, sync: false, mode: 0o600, method: 'gzip', level: 1,
    })).rejects.toThrow();
    untouched();
  });

  it('a link named NAME.history.tmp is removed and the history written beside it', async () => {
    symlinkSync(target, join(dir, '00000002.history.tmp'));
    const content = Buffer.from('1\t0/3000148\tno recovery target specified\n');
    await writeHistoryFile(dir, 2, { filename: '00000002.history', content }, { sync: false, mode: 0o600 });
    untouched();
    expect(readFileSync(join(dir, '00000002.history')).equals(content)).toBe(true);
    expect(lstatSync(join(dir, '00000002.history')).isFile()).toBe(true);
    expect(existsSync(join(dir, '00000002.history.tmp'))).toBe(false);
  });

  it('a directory named like a segment is refused too', async () => {
    mkdirSync(join(dir, SEG));
    await expect(findStreamingStart(dir, 16 * MB)).rejects.toThrow(`"${SEG}" is not a regular file`);
  });
});
