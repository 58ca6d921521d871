import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseEnv, describeWithPg, generateWal, makeTempDir, requireTool, runProcess, startCluster, switchWal, testEnvironment,
  waitFor,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';
import {
  addonDirectory, builtExecutable, errorLines, runExe, TOOLS, VERSION, type BuiltExecutable,
} from './helpers.js';

// dist/warmstandby as `npm run build:exe` makes it (built here into a temp dir): dispatch,
// every tool's --version, and real jobs whose codecs are the embedded add-ons and wasm.
describe('single executable', () => {
  let exe: BuiltExecutable;
  beforeAll(async () => {
    exe = await builtExecutable();
  }, 300_000);

  it('--help lists the seven tools and exits 0 with nothing on stderr', async () => {
    const result = await runExe(exe, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const listed = result.stdout.split('\n').filter((line) => /^ {2}[a-z-]+$/.test(line)).map((line) => line.trim());
    expect(listed).toEqual([...TOOLS]);
  });

  it('no tool: the usage on stderr, exit 2; an unknown tool is named', async () => {
    const bare = await runExe(exe, []);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage:');
    const unknown = await runExe(exe, ['pg_dump']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('warmstandby: error: unknown tool "pg_dump"');
  });

  it.each(TOOLS)('%s --version as "warmstandby TOOL" and through a link, also without a usable TMPDIR', async (tool) => {
    const runs = [
      await runExe(exe, [tool, '--version']),
      await runExe(exe, ['--version'], { via: tool }),
      // Add-ons load on first use: a tool that needs none starts where none can be extracted.
      await runExe(exe, ['--version'], { via: tool, tmpdir: exe.unusableTmp }),
    ];
    for (const result of runs) {
      expect(result).toMatchObject({ code: 0, stderr: '', stdout: `${tool} (warmstandby) ${VERSION}\n` });
    }
  });

  it.each([
    ['pg_basebackup', 'basebackup'],
    ['pg_receivewal', 'receivewal'],
    ['pg_archivecleanup', 'archivecleanup'],
  ])('a link named %s runs %s and speaks under the C tool\'s name', async (cName) => {
    const link = join(exe.links, '..', cName);
    symlinkSync(exe.path, link);
    try {
      const run = (args: string[]) => runProcess(link, args, { env: baseEnv({ NO_COLOR: '1', TMPDIR: exe.tmp }), timeoutMs: 60_000 });
      expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `${cName} (warmstandby) ${VERSION}\n` });
      const bad = await run(['--no-such-option']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(new RegExp(`^${cName}: error: `));
    } finally {
      rmSync(link);
    }
  });

  it('restorewal answers a file missing from the archive with exit 1, even without a usable TMPDIR', async () => {
    const archive = makeTempDir('ws-exe-empty-archive-');
    for (const tmpdir of [exe.tmp, exe.unusableTmp]) {
      const result = await runExe(exe, ['000000010000000000000007', join(archive, 'RECOVERYXLOG'), archive], {
        via: 'restorewal',
        tmpdir,
      });
      expect(result).toMatchObject({ code: 1, stdout: '', stderr: '' });
    }
    // The full path (an option given) gives the same answer.
    const verbose = await runExe(exe, ['restorewal', '-v', '000000010000000000000007', join(archive, 'X'), archive]);
    expect(verbose.code).toBe(1);
    expect(existsSync(join(archive, 'X'))).toBe(false);
  });
});

const newest = Math.max(...testEnvironment().majors);

describeWithPg('single executable: real jobs', (major) => {
  let exe: BuiltExecutable;
  let primary: PgCluster | undefined;
  let serverArchive: string;
  const segments: string[] = [];

  beforeAll(async () => {
    exe = await builtExecutable();
    serverArchive = makeTempDir('ws-exe-archive-');
    primary = await startCluster(major, {
      walSegmentSizeMB: 1,
      // The server runs the hook itself, through a link named archivewal.
      archive: { mode: 'on', command: `${join(exe.links, 'archivewal')} %p ${serverArchive}` },
    });
    for (let i = 0; i < 3; i += 1) {
      await generateWal(primary, 256 * 1024);
      segments.push((await switchWal(primary)).segment);
    }
    await waitFor(() => segments.every((name) => existsSync(join(serverArchive, name))), {
      timeoutMs: 60_000,
      description: `archive_command to archive ${segments.join(', ')}`,
    });
  }, 300_000);
  afterAll(async () => {
    await primary?.destroy();
  });

  it("the server's archive_command pushes whole segments through the executable", async () => {
    if (primary === undefined) throw new Error('the server did not start');
    for (const name of segments) expect(statSync(join(serverArchive, name)).size).toBe(1024 * 1024);
    expect(readFileSync(join(serverArchive, '.warmstandby-system-identifier'), 'utf8')).toBe(
      `${await primary.systemIdentifier()}\n`,
    );
    expect((await primary.sqlRows('SELECT failed_count FROM pg_stat_archiver'))[0]?.[0]).toBe('0');
  });

  it.each([
    { method: 'lz4', suffix: '.lz4', oracle: 'lz4' as const },
    { method: 'zstd', suffix: '.zst', oracle: 'zstd' as const },
  ])('archivewal -Z $method and restorewal round-trip a segment byte for byte', async ({ method, suffix, oracle }) => {
    const name = segments[0] ?? '';
    const original = readFileSync(join(serverArchive, name));
    const archive = makeTempDir(`ws-exe-${method}-`);
    const tmpdir = makeTempDir(`ws-exe-tmp-${method}-`);
    const pushed = await runExe(exe, ['archivewal', '-Z', method, join(serverArchive, name), archive], { tmpdir });
    expect(pushed).toMatchObject({ code: 0, stderr: '' });
    const compressed = join(archive, `${name}${suffix}`);
    expect(statSync(compressed).size).toBeLessThan(original.length);
    // The system's own decompressor reads what the embedded codec wrote.
    const decoded = join(archive, 'decoded');
    const output = oracle === 'lz4' ? [decoded] : ['-o', decoded];
    const tool = await runProcess(requireTool(oracle), ['-d', '-q', '-f', compressed, ...output]);
    expect(tool.code, tool.stderr).toBe(0);
    expect(readFileSync(decoded).equals(original)).toBe(true);

    const target = join(archive, 'RECOVERYXLOG');
    const restored = await runExe(exe, [name, target, archive], { via: 'restorewal', tmpdir });
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(target).equals(original)).toBe(true);
    const missing = await runExe(exe, [segments[2] ?? '', join(archive, 'other'), archive], { via: 'restorewal', tmpdir });
    expect(missing.code).toBe(1);
    // lz4 is a native add-on, extracted privately; zstd is wasm, read from memory, with the
    // native XXH64 of its frame checksums extracted the same way (without it, see below).
    const addons = addonDirectory(tmpdir);
    expect(readdirSync(addons).some((file) => file.endsWith(method === 'lz4' ? 'lz4-napi.node' : 'xxhash.node'))).toBe(true);
    if (method === 'lz4') {
      expect(statSync(addons).mode & 0o777).toBe(0o700);
      // Where no add-on can be extracted (no usable TMPDIR), an lz4 segment still restores:
      // decompression is JavaScript (lz4-buffer-decoder.ts), only compression needs lz4-napi.
      const anywhere = await runExe(exe, [name, join(archive, 'ANYWHERE'), archive], {
        via: 'restorewal', tmpdir: exe.unusableTmp,
      });
      expect(anywhere).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(join(archive, 'ANYWHERE')).equals(original)).toBe(true);
    }
  });

  it('archivecleanup prunes the segments before the one named', async () => {
    const archive = makeTempDir('ws-exe-cleanup-');
    for (const file of readdirSync(serverArchive)) copyFileSync(join(serverArchive, file), join(archive, file));
    const [first, second, third] = segments;
    if (third === undefined || first === undefined || second === undefined) throw new Error('no segments');
    const result = await runExe(exe, [archive, third], { via: 'archivecleanup' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(archive).sort()).toEqual(['.warmstandby-system-identifier', third]);
  });

  it('basebackup -X fetch --verify checks CRC-32C manifest checksums with the embedded add-on', async () => {
    if (primary === undefined) throw new Error('the server did not start');
    const base = makeTempDir('ws-exe-backup-');
    const tmpdir = join(base, 'tmp');
    await mkdir(tmpdir, { mode: 0o700 });
    const result = await runExe(exe, ['basebackup', '-D', join(base, 'data'), '-X', 'fetch', '-c', 'fast', '--verify',
      '-h', primary.host, '-p', String(primary.port), '-U', 'postgres', '-w'], {
      tmpdir,
      env: { PGPASSWORD: primary.superuserPassword },
    });
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(base, 'data', 'backup_manifest'), 'utf8')) as {
      Files: { 'Checksum-Algorithm'?: string }[];
    };
    expect(manifest.Files.length).toBeGreaterThan(100);
    expect(manifest.Files.every((file) => file['Checksum-Algorithm'] === 'CRC32C')).toBe(true);
    expect(readdirSync(addonDirectory(tmpdir)).some((file) => file.endsWith('crc32.node'))).toBe(true);
    expect(existsSync(join(base, 'data', 'global', 'pg_control'))).toBe(true);
  });

  // zstd's frame checksums then come from the JavaScript XXH64 (src/core/compression/zstd.ts).
  it('without a usable TMPDIR: plain and zstd jobs work; lz4 and CRC-32C fail with one line each', async () => {
    if (primary === undefined) throw new Error('the server did not start');
    const name = segments[1] ?? '';
    const archive = makeTempDir('ws-exe-degraded-');
    const broken = { tmpdir: exe.unusableTmp };
    for (const method of ['none', 'zstd']) {
      await mkdir(join(archive, method));
      const ok = await runExe(exe, ['archivewal', '-Z', method, join(serverArchive, name), join(archive, method)], broken);
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      const restored = await runExe(exe, ['restorewal', name, join(archive, 'RECOVERYXLOG'), join(archive, method)], broken);
      expect(restored).toMatchObject({ code: 0, stderr: '' });
    }
    await mkdir(join(archive, 'lz4'));
    const lz4 = await runExe(exe, ['archivewal', '-Z', 'lz4', join(serverArchive, name), join(archive, 'lz4')], broken);
    expect(lz4.code).toBe(1);
    expect(errorLines('archivewal', lz4.stderr)).toEqual([
      expect.stringMatching(
        /^archivewal: error: Cannot use lz4 compression: .*Cannot load the embedded module lz4-napi: cannot create .*not-a-directory\/warmstandby-addons-\d+ \(ENOTDIR: not a directory\)\)$/,
      ),
    ]);

    const backup = makeTempDir('ws-exe-degraded-backup-');
    const bb = await runExe(exe, ['basebackup', '-D', join(backup, 'data'), '-X', 'none', '-c', 'fast', '--verify',
      '-h', primary.host, '-p', String(primary.port), '-U', 'postgres', '-w'], {
      ...broken,
      env: { PGPASSWORD: primary.superuserPassword },
    });
    expect(bb.code).toBe(1);
    expect(errorLines('basebackup', bb.stderr)).toEqual([
      expect.stringMatching(/^basebackup: error: Cannot load the embedded module @node-rs\/crc32: cannot create /),
    ]);
    expect(bb.stderr).toContain('basebackup: hint: Set TMPDIR to a writable directory');
    expect(existsSync(join(backup, 'data'))).toBe(false);
  });
}, { majors: (m) => m === newest, tools: ['lz4', 'zstd'] });
