import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../../src/tools/basebackup/cli.js';
import { captureIO } from '../../../harness/capture-io.js';
import { parseMaxRate, resolveOptions } from '../../../../src/tools/basebackup/options.js';

const dir = mkdtempSync(join(tmpdir(), 'bb-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  // No server listens on this port: option errors must come before any connection attempt.
  const io = captureIO(dir, { PATH: process.env['PATH'] ?? '', PGCONNECT_TIMEOUT: '2' });
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
};

describe('basebackup command line (pg_basebackup 15 messages, exit 1)', () => {
  it.each([
    [[], 'must specify output directory or backup target'],
    [['-D', 'x', '-F', 'zip'], 'invalid output format "zip", must be "plain" or "tar"'],
    [['-D', 'x', '-X', 'all'], 'invalid wal-method option "all", must be "fetch", "stream", or "none"'],
    [['-D', 'x', '-c', 'slow'], 'invalid checkpoint argument "slow", must be "fast" or "spread"'],
    [['-D', 'x', '-z'], 'only tar mode backups can be compressed'],
    [['-D', 'x', '-Ft', '-Z', 'turkey'], 'unrecognized compression algorithm: "turkey"'],
    [['-D', 'x', '-Ft', '-Z', '0'], 'invalid compression specification: compression algorithm "gzip" expects a compression level between 1 and 9 (default at -1)'],
    [['-D', '-', '-Ft'], 'cannot stream write-ahead logs in tar mode to stdout'],
    [['-D', 'x', '-X', 'fetch', '-S', 's'], 'replication slots can only be used with WAL streaming'],
    [['-D', 'x', '--no-slot', '-S', 's'], '--no-slot cannot be used with slot name'],
    [['-D', 'x', '-C'], '--create-slot needs a slot to be specified using --slot'],
    [['-D', 'x', '-Ft', '--waldir', '/w'], 'WAL directory location can only be specified in plain mode'],
    [['-D', 'x', '--waldir', 'rel'], 'WAL directory location must be an absolute path'],
    [['-D', 'x', '-P', '--no-estimate-size'], '--progress and --no-estimate-size are incompatible options'],
    [['-D', 'x', '--no-manifest', '--manifest-checksums', 'SHA256'], '--no-manifest and --manifest-checksums are incompatible options'],
    [['-D', 'x', '--no-manifest', '--manifest-force-encode'], '--no-manifest and --manifest-force-encode are incompatible options'],
    [['-D', 'x', '-t', 'server:/x'], 'cannot specify both output directory and backup target'],
    [['-t', 'blackhole', '-Ft'], 'cannot specify both format and backup target'],
    [['-t', 'blackhole', '-X', 'stream'], 'WAL cannot be streamed when a backup target is specified'],
    [['-t', 'blackhole', '-X', 'none', '-Z', 'client-gzip'], 'client-side compression is not possible when a backup target is specified'],
    [['-D', 'x', '-T', 'a=b'], 'old directory is not an absolute path in tablespace mapping: a'],
    [['-D', 'x', '-r', '10'], 'transfer rate "10" is out of range'],
    [['-D', 'x', '-s', 'abc'], 'invalid value "abc" for option -s/--status-interval'],
    [['-D', 'x', 'extra'], 'too many command-line arguments (first is "extra")'],
    [['-D', 'x', '--no-manifest', '--verify'], '--verify needs a backup manifest written to an output directory'],
  ])('%j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(`basebackup: error: ${message}`);
  });

  it('help lists every pg_basebackup option within 95 columns; -V prints the version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['-D,', '-F,', '-r,', '-R,', '-t,', '-T,', '--waldir', '-X,', '-z,', '-Z,', '-c,', '-C,', '-l,',
      '-n,', '-N,', '-P,', '-S,', '-v,', '-V,', '--manifest-checksums', '--manifest-force-encode', '--no-estimate-size',
      '--no-manifest', '--no-slot', '--no-verify-checksums', '--verify', '-d,', '-h,', '-p,', '-s,', '-U,', '-w,', '-W,']) {
      expect(help.stdout).toContain(flag);
    }
    for (const line of help.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(95);
    expect((await run(['-V'])).stdout).toMatch(/^basebackup \(warmstandby\) /);
  });
});

describe('options', () => {
  it('keeps pg_basebackup defaults', () => {
    const o = resolveOptions({ pgdata: 'd', connection: { passwordMode: 'auto' } });
    expect(o).toMatchObject({ format: 'plain', walMethod: 'stream', label: 'pg_basebackup base backup',
      temporarySlot: true, manifest: true, sync: true, statusIntervalMs: 10_000, maxRate: 0, fastCheckpoint: false });
    expect(o.clientCompression).toEqual({ method: 'none', level: 0, levelGiven: false });
  });
  it('the last -z/-Z wins, server- compression passes through untouched', () => {
    expect(resolveOptions({ pgdata: 'd', format: 'tar', compress: 'server-zstd:level=9,long', connection: { passwordMode: 'auto' } }))
      .toMatchObject({ serverCompression: { algorithm: 'zstd', detail: 'level=9,long' }, clientCompression: { method: 'none' } });
    expect(resolveOptions({ pgdata: 'd', format: 'tar', compress: 'lz4:5', connection: { passwordMode: 'auto' } }).clientCompression)
      .toEqual({ method: 'lz4', level: 5, levelGiven: true });
  });
  it('reads max rates with k and M suffixes', () => {
    expect(parseMaxRate('32')).toBe(32);
    expect(parseMaxRate('100k')).toBe(100);
    expect(parseMaxRate('2M')).toBe(2048);
    expect(() => parseMaxRate('0')).toThrow('transfer rate must be greater than zero');
    expect(() => parseMaxRate('5G')).toThrow('invalid --max-rate unit: "G"');
    expect(() => parseMaxRate('x')).toThrow('transfer rate "x" is not a valid value');
    expect(() => parseMaxRate('2000M')).toThrow('transfer rate "2000M" is out of range');
  });
});
