import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { barText, createConsoleReporter, progressText } from '../../../../src/tools/basebackup/report.js';
import { resolveOptions } from '../../../../src/tools/basebackup/options.js';

const state = { doneBytes: 5 * 1048576, totalKb: 20 * 1024, tablespaceNum: 0, tablespaceCount: 1 };

describe('progress', () => {
  it('prints pg_basebackup\'s line when not on a terminal', () => {
    expect(progressText(state, false)).toBe(' 5120/20480 kB (25%), 0/1 tablespace');
    expect(progressText({ ...state, tablespaceCount: 2, filename: '/a/very/long/path/to/some/relation/file/16384' }, true))
      .toBe(' 5120/20480 kB (25%), 0/2 tablespaces (...path/to/some/relation/file/16384)');
    expect(progressText({ ...state, doneBytes: 30 * 1048576 }, false)).toBe('30720/30720 kB (100%), 0/1 tablespace');
  });

  it('draws a bar with MB/s and the time left on a terminal', () => {
    expect(barText(state, 2000, 20)).toBe('[#####...............]  25% 5/20 MB 2.5 MB/s ETA 00:06, 0/1 tablespace');
  });

  it('writes plain lines (no carriage returns) to a pipe, and nothing without -P', () => {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (c: Buffer) => (text += c.toString()));
    const io = { stdout: new PassThrough(), stderr, env: {}, cwd: '/' };
    const quiet = createConsoleReporter(io, resolveOptions({ pgdata: 'd', connection: { passwordMode: 'auto' } }));
    quiet.progress(state, false);
    expect(text).toBe('');
    const loud = createConsoleReporter(io, resolveOptions({ pgdata: 'd', progress: true, connection: { passwordMode: 'auto' } }));
    loud.progress(state, true);
    expect(text).toBe(' 5120/20480 kB (25%), 0/1 tablespace\n');
  });
});
