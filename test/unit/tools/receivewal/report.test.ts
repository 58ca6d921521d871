import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReporter } from '../../../../src/tools/receivewal/report.js';

const terminal = (isTTY: boolean) => {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
};

describe('receivewal reporter', () => {
  it('draws one progress line on a TTY (position, lag, MB/s) and erases it before a log line', () => {
    const err = terminal(true);
    let now = 1_000;
    const r = createReporter(
      { stdout: new PassThrough(), stderr: err.stream, env: { NO_COLOR: '1' }, cwd: '/' },
      { tool: 'receivewal', verbose: false, progress: true, now: () => now },
    );
    r.progress(0x3000000n, 0x5000000n, 1);
    now += 1_000;
    r.progress(0x3000000n + 64n * 1024n * 1024n, 0x8000000n, 1);
    r.info('not renaming "X.partial", segment is not complete');
    r.finish();
    expect(err.text()).toBe(
      '\rreceivewal: 0/3000000 (timeline 1), 32.0 MB behind, 0.0 MB/s\x1b[K' +
        '\rreceivewal: 0/7000000 (timeline 1), 16.0 MB behind, 64.0 MB/s\x1b[K' +
        '\r\x1b[Kreceivewal: not renaming "X.partial", segment is not complete\n',
    );
  });

  it('says "caught up" when nothing is left to receive, and stays silent off a TTY or with --no-progress', () => {
    const tty = terminal(true);
    const r = createReporter(
      { stdout: new PassThrough(), stderr: tty.stream, env: {}, cwd: '/' },
      { tool: 'receivewal', verbose: true, progress: true, now: () => 5_000 },
    );
    r.progress(0x100n, 0x100n, 2);
    expect(tty.text()).toContain('0/100 (timeline 2), caught up');
    for (const [isTTY, progress] of [[false, true], [true, false]] as const) {
      const err = terminal(isTTY);
      const quiet = createReporter(
        { stdout: new PassThrough(), stderr: err.stream, env: { NO_COLOR: '1' }, cwd: '/' },
        { tool: 'receivewal', verbose: true, progress },
      );
      quiet.progress(1n, 2n, 1);
      quiet.verbose('starting log streaming at 0/0 (timeline 1)');
      expect(err.text()).toBe('receivewal: starting log streaming at 0/0 (timeline 1)\n');
    }
  });
});
