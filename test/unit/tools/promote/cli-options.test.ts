import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ToolIO } from '../../../../src/core/cli/io.js';
import { main, parsePromoteArgs } from '../../../../src/tools/promote/cli.js';

const io = (env: NodeJS.ProcessEnv = {}, cwd = '/work'): ToolIO & { text: () => { out: string; err: string } } => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, env, cwd, text: () => ({ out, err }) };
};

describe('promote flags', () => {
  it('maps pg_ctl promote\'s options: -D, -W, -t, -s', () => {
    const options = parsePromoteArgs(['-D', 'data', '-W', '-t', '5', '-s'], io());
    expect(options).toMatchObject({
      target: { kind: 'local', dataDir: '/work/data' },
      wait: false,
      timeoutSeconds: 5,
      silent: true,
      check: false,
    });
  });

  it('waits 60 s by default, or PGCTLTIMEOUT; -t wins over both', () => {
    expect(parsePromoteArgs(['-D', '/d'], io()).timeoutSeconds).toBe(60);
    expect(parsePromoteArgs(['-D', '/d'], io({ PGCTLTIMEOUT: '7' })).timeoutSeconds).toBe(7);
    expect(parsePromoteArgs(['-D', '/d', '-t', '3'], io({ PGCTLTIMEOUT: '7' })).timeoutSeconds).toBe(3);
    expect(parsePromoteArgs(['-D', '/d', '-w'], io()).wait).toBe(true);
  });

  it('refuses a timeout that is not a whole number of seconds', () => {
    expect(() => parsePromoteArgs(['-D', '/d', '-t', 'soon'], io())).toThrowError(
      'invalid value "soon" for option -t/--timeout: expected a number of seconds',
    );
    expect(() => parsePromoteArgs(['-D', '/d'], io({ PGCTLTIMEOUT: '-1' }))).toThrowError(/PGCTLTIMEOUT/);
  });

  it('chooses local or remote: -D, then -d/-h, then PGDATA, then -p/-U', () => {
    const kind = (argv: string[], env: NodeJS.ProcessEnv = {}): string => parsePromoteArgs(argv, io(env)).target.kind;
    expect(kind(['-D', '/d', '-h', 'db1'])).toBe('local');
    expect(kind(['-d', 'host=db1'], { PGDATA: '/d' })).toBe('remote');
    expect(kind(['-h', 'db1'])).toBe('remote');
    expect(kind([], { PGDATA: '/d' })).toBe('local');
    expect(kind(['-U', 'admin'], { PGDATA: '/d' })).toBe('local');
    expect(kind(['-U', 'admin'])).toBe('remote');
    expect(() => kind([])).toThrowError('no database directory specified and environment variable PGDATA unset');
  });

  it('keeps -w/-W for waiting and spells the password switches long', () => {
    const options = parsePromoteArgs(['-h', 'db1', '--no-password'], io());
    expect(options.connection.passwordMode).toBe('never');
    expect(parsePromoteArgs(['-h', 'db1'], io()).connection.passwordMode).toBe('auto');
    expect(parsePromoteArgs(['-h', 'db1', '--password'], io()).connection.passwordMode).toBe('prompt');
  });

  it('--dry-run implies --check', () => {
    expect(parsePromoteArgs(['-D', '/d', '--dry-run'], io())).toMatchObject({ check: true, dryRun: true });
  });

  it('exits 1 with a hint on usage errors, 0 on --help with lines of at most 95 columns', async () => {
    const bad = io();
    expect(await main(['--bogus'], bad)).toBe(1);
    expect(bad.text().err).toMatch(/^promote: error: unknown option '--bogus'.*promote --help/);

    const forceAlone = io();
    expect(await main(['-D', '/nonexistent', '--force'], forceAlone)).toBe(1);
    expect(forceAlone.text().err).toBe('promote: error: option --force requires --check\n');

    const help = io();
    expect(await main(['--help'], help)).toBe(0);
    const lines = help.text().out.split('\n');
    expect(lines[0]).toBe('Usage: promote [OPTION]...');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(95);

    const version = io();
    expect(await main(['-V'], version)).toBe(0);
    expect(version.text().out).toMatch(/^promote \(warmstandby\) \d+\.\d+\.\d+\n$/);
  });
});
