import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ToolIO } from '../../../../src/core/cli/io.js';
import { main, parseReceivewalArgs } from '../../../../src/tools/receivewal/cli.js';
import { parseCompressArgument, parseEndpos, parseIntOption } from '../../../../src/tools/receivewal/options.js';

const io = (): ToolIO & { err: () => string; outText: () => string } => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, env: { NO_COLOR: '1' }, cwd: '/tmp', err: () => err, outText: () => out };
};

const run = async (args: string[]): Promise<{ code: number; stderr: string; stdout: string }> => {
  const t = io();
  const code = await main(args, t);
  return { code, stderr: t.err(), stdout: t.outText() };
};

describe('receivewal options', () => {
  it('maps the pg_receivewal flags with its defaults', () => {
    const o = parseReceivewalArgs(['-D', 'wal', '-S', 's1', '-v', '--synchronous', '-s', '3', '-E', '1/A0'], io());
    expect(o).toMatchObject({
      action: 'stream', directory: 'wal', slot: 's1', verbose: true, synchronous: true, statusIntervalMs: 3000,
      endpos: (1n << 32n) | 0xa0n, loop: true, sync: true, ifNotExists: false, compression: { method: 'none', level: 0 },
    });
    expect(o.connection.passwordMode).toBe('auto');
    expect(parseReceivewalArgs(['-D', 'x'], io()).statusIntervalMs).toBe(10_000);
    expect(parseReceivewalArgs(['-D', 'x', '-n', '--no-sync', '-w'], io())).toMatchObject({
      loop: false, sync: false, connection: { passwordMode: 'never' },
    });
    expect(parseReceivewalArgs(['-D', 'x', '-W'], io()).connection.passwordMode).toBe('prompt');
    expect(parseReceivewalArgs(['--create-slot', '-S', 'a', '--if-not-exists'], io())).toMatchObject({
      action: 'create-slot', ifNotExists: true,
    });
  });

  it.each([
    ['5', { method: 'gzip', level: 5 }],
    ['0', { method: 'none', level: 0 }],
    ['', { method: 'none', level: 0 }],
    ['gzip', { method: 'gzip', level: -1 }],
    ['gzip:9', { method: 'gzip', level: 9 }],
    ['gzip:level=3', { method: 'gzip', level: 3 }],
    ['lz4', { method: 'lz4', level: 0 }],
    ['lz4:12', { method: 'lz4', level: 12 }],
    ['zstd', { method: 'zstd', level: 3 }],
    ['zstd:19', { method: 'zstd', level: 19 }],
    ['none', { method: 'none', level: 0 }],
  ])('-Z %j', (text, expected) => {
    expect(parseCompressArgument(text)).toEqual(expected);
  });

  it.each([
    ['lz5', 'unrecognized compression algorithm: "lz5"'],
    ['+', 'unrecognized compression algorithm: "+"'],
    ['gzip:12', 'invalid compression specification: compression algorithm "gzip" expects a compression level between 1 and 9 (default at -1)'],
    ['gzip:0', 'invalid compression specification: compression algorithm "gzip" expects a compression level between 1 and 9 (default at -1)'],
    ['none:1', 'invalid compression specification: compression algorithm "none" does not accept a compression level'],
    ['gzip:workers=2', 'invalid compression specification: compression algorithm "gzip" does not accept a worker count'],
    ['gzip:speed=1', 'invalid compression specification: unrecognized compression option: "speed"'],
    ['gzip:level', 'invalid compression specification: compression option "level" requires a value'],
  ])('-Z %j is refused as pg_receivewal refuses it', (text, message) => {
    expect(() => parseCompressArgument(text)).toThrow(message);
  });

  it('reads -s and -E the way the C tools do', () => {
    expect(parseIntOption(' 7 ', '-s/--status-interval', 0, 2147483)).toBe(7);
    expect(parseIntOption('', '-s/--status-interval', 0, 2147483)).toBe(0);
    expect(() => parseIntOption('7s', '-s/--status-interval', 0, 2147483)).toThrow('invalid value "7s" for option -s/--status-interval');
    expect(() => parseIntOption('-1', '-s/--status-interval', 0, 2147483)).toThrow('-s/--status-interval must be in range 0..2147483');
    expect(() => parseIntOption('99999999999', '-s/--status-interval', 0, 2147483)).toThrow('must be in range 0..2147483');
    expect(parseEndpos('0/3000000')).toBe(0x3000000n);
    expect(parseEndpos('16/B374D848')).toBe(0x16b374d848n);
    expect(() => parseEndpos('3000000')).toThrow('could not parse end position "3000000"');
    expect(() => parseEndpos('x/1')).toThrow('could not parse end position "x/1"');
  });

  it.each([
    [[], 'receivewal: error: no target directory specified'],
    [['-D', 'd', 'extra'], 'receivewal: error: too many command-line arguments (first is "extra")'],
    [['--create-slot', '--drop-slot', '-S', 's'], 'receivewal: error: cannot use --create-slot together with --drop-slot'],
    [['--drop-slot'], 'receivewal: error: --drop-slot needs a slot to be specified using --slot'],
    [['--create-slot'], 'receivewal: error: --create-slot needs a slot to be specified using --slot'],
    [['-D', 'd', '--synchronous', '--no-sync'], 'receivewal: error: cannot use --synchronous together with --no-sync'],
  ])('usage error %j: pg_receivewal\'s message and hint, exit 1', async (args, line) => {
    const { code, stderr, stdout } = await run(args);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${line}\nreceivewal: hint: Try "receivewal --help" for more information.\n`);
  });

  it.each([
    [['-D', 'd', '-s', 'x'], 'receivewal: error: invalid value "x" for option -s/--status-interval'],
    [['-D', 'd', '-E', 'nope'], 'receivewal: error: could not parse end position "nope"'],
    [['-D', 'd', '-Z', 'brotli'], 'receivewal: error: unrecognized compression algorithm: "brotli"'],
  ])('fatal argument error %j: one line, exit 1', async (args, line) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(1);
    expect(stderr).toBe(`${line}\n`);
  });

  it('a directory that cannot be opened: pg_receivewal\'s message before any connection', async () => {
    const { code, stderr } = await run(['-D', '/nonexistent/wal', '-h', '/nonexistent', '-p', '1']);
    expect(code).toBe(1);
    expect(stderr).toBe('receivewal: error: could not open directory "/nonexistent/wal": No such file or directory\n');
  });

  it('--help lists every pg_receivewal option within 95 columns', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const flag of ['--directory', '--endpos', '--if-not-exists', '--no-loop', '--no-sync', '--status-interval',
      '--slot', '--synchronous', '--verbose', '--version', '--compress', '--help', '--dbname', '--host', '--port',
      '--username', '--no-password', '--password', '--create-slot', '--drop-slot']) {
      expect(stdout).toContain(flag);
    }
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(95);
  });
});
