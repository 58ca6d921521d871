import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressBuffer } from '../../../../src/core/compression/codec.js';
import { main } from '../../../../src/tools/restorewal/cli.js';
import { captureIO } from '../../../harness/capture-io.js';
import { makeSegment, MB, SYSID } from '../archive-hooks/wal-fixtures.js';
import { requireTool } from '../../../harness/pg/index.js';

const SEG = '000000010000000000000003';
let datadir: string;
let archive: string;

beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'ws-rw-'));
  datadir = join(root, 'data');
  archive = join(root, 'archive');
  await mkdir(join(datadir, 'pg_wal'), { recursive: true });
  await mkdir(archive);
});
afterEach(async () => {
  await rm(join(datadir, '..'), { recursive: true, force: true });
});

/** Runs restorewal in-process from the data directory, as the startup process does. */
const restore = async (args: string[]) => {
  const io = captureIO(datadir);
  const status = await main(args, io);
  return { status, out: io.out(), err: io.err() };
};
const restored = (): Promise<Buffer> => readFile(join(datadir, 'pg_wal', 'RECOVERYXLOG'));
const walFiles = async (): Promise<string[]> => (await readdir(join(datadir, 'pg_wal'))).sort();
const args = (name = SEG): string[] => [name, 'pg_wal/RECOVERYXLOG', archive];

describe('restoring', () => {
  it('copies a plain segment to %p and leaves no temporary file', async () => {
    const segment = makeSegment({ name: SEG, fill: 5 });
    await writeFile(join(archive, SEG), segment);
    const { status, err } = await restore(args());
    expect([status, err]).toEqual([0, '']);
    expect((await restored()).equals(segment)).toBe(true);
    expect(await walFiles()).toEqual(['RECOVERYXLOG']);
  });

  it('gives the copy mode 0600 whatever the archived file\'s mode (the kernel copies it)', async () => {
    await writeFile(join(archive, SEG), makeSegment({ name: SEG, fill: 5 }), { mode: 0o644 });
    expect((await restore(args())).status).toBe(0);
    expect((await stat(join(datadir, 'pg_wal', 'RECOVERYXLOG'))).mode & 0o777).toBe(0o600);
  });

  it('restores the first segment of a new timeline, whose first page carries its ancestor', async () => {
    const next = '000000020000000000000003';
    const segment = makeSegment({ name: next, timeline: 1, fill: 6 });
    await writeFile(join(archive, '00000002.history'), '1\t0/3000148\tno recovery target specified\n');
    await writeFile(join(archive, next), segment);
    expect((await restore(args(next))).status).toBe(0);
    expect((await restored()).equals(segment)).toBe(true);
    // A history that does not list timeline 1 makes the same first page foreign: 150.
    await writeFile(join(archive, '00000002.history'), '3\t0/3000148\tnot an ancestor\n');
    const refused = await restore(args(next));
    expect(refused.status).toBe(150);
    expect(refused.err).toContain('page header has timeline 1, which is not in the history of timeline 2');
  });

  it('replaces an earlier RECOVERYXLOG', async () => {
    await writeFile(join(datadir, 'pg_wal', 'RECOVERYXLOG'), 'old');
    await writeFile(join(archive, SEG), makeSegment({ name: SEG }));
    expect((await restore(args())).status).toBe(0);
    expect((await restored()).length).toBe(16 * MB);
  });

  it.each(['gzip', 'lz4', 'zstd'] as const)('decompresses a %s segment', async (method) => {
    const segment = makeSegment({ name: SEG, fill: 9 });
    const suffix = { gzip: '.gz', lz4: '.lz4', zstd: '.zst' }[method];
    await writeFile(join(archive, `${SEG}${suffix}`), await compressBuffer(segment, { method, level: 1 }));
    const { status } = await restore(args());
    expect(status).toBe(0);
    expect((await restored()).equals(segment)).toBe(true);
  });

  it('decompresses what the zstd CLI wrote from a pipe (no content size)', async () => {
    const segment = makeSegment({ name: SEG, fill: 9 });
    await writeFile(join(archive, `${SEG}.zst`), execFileSync(requireTool('zstd'), ['-q', '-c'], { input: segment }));
    expect((await restore(args())).status).toBe(0);
    expect((await restored()).equals(segment)).toBe(true);
  });

  it('serves .partial and .history requests, and pg_receivewal-style compressed partials', async () => {
    const history = '1\t0/3000148\tno recovery target specified\n';
    await writeFile(join(archive, '00000002.history'), history);
    expect((await restore(args('00000002.history'))).status).toBe(0);
    expect((await restored()).toString()).toBe(history);
    const partial = makeSegment({ name: SEG }).subarray(0, 5 * 8192);
    await writeFile(join(archive, `${SEG}.gz.partial`), gzipSync(partial));
    expect((await restore(args(`${SEG}.partial`))).status).toBe(0);
    expect((await restored()).equals(partial)).toBe(true);
  });

  it('reports what it did with -v and --json', async () => {
    await writeFile(join(archive, `${SEG}.gz`), gzipSync(makeSegment({ name: SEG })));
    const { status, out, err } = await restore(['-v', '--json', ...args()]);
    expect(status).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ file: SEG, restoredFrom: `${SEG}.gz`, compression: 'gzip', bytes: 16 * MB, restored: true });
    expect(err).toBe(`restorewal: restored "${SEG}" from "${SEG}.gz" (16.0 MB)\n`);
  });
});

describe('missing files', () => {
  it('answers 1 at once, silently, and writes nothing', async () => {
    const started = performance.now();
    const { status, out, err } = await restore(args());
    expect([status, out, err]).toEqual([1, '', '']);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await walFiles()).toEqual([]);
  });
  it('says so with -v, and in JSON', async () => {
    const { status, out, err } = await restore(['-v', '--json', ...args()]);
    expect(status).toBe(1);
    expect(JSON.parse(out)).toEqual({ file: SEG, restored: false, reason: 'not-in-archive' });
    expect(err).toBe(`restorewal: "${SEG}" is not in archive "${archive}"\n`);
  });
  it('says on stderr that the archive directory is missing, with a "not available" status', async () => {
    const missing = join(archive, 'nope');
    const { status, err } = await restore([SEG, 'pg_wal/RECOVERYXLOG', missing]);
    expect(status).toBe(3);
    expect(err).toBe(`restorewal: error: Cannot read archive "${missing}": No such file or directory\n`);
    expect(await walFiles()).toEqual([]);
  });
});

describe('refusals', () => {
  it.each(['../../etc/passwd', '/etc/passwd', `${SEG}.gz`, 'RECOVERYXLOG', `${SEG}/x`, '', '00000002.HISTORY'])(
    'refuses %%f = %j with 2 before touching the archive',
    async (name) => {
      const { status, err } = await restore(args(name));
      expect(status).toBe(2);
      expect(err).toMatch(/not a WAL segment, \.partial, \.history or \.backup file name|expected exactly/);
    },
  );
  it('exits 2 for missing or extra arguments', async () => {
    expect((await restore([SEG, 'x'])).status).toBe(2);
    expect((await restore([SEG, 'x', archive, 'y'])).status).toBe(2);
  });
});

describe('hostile archives: only regular files from inside the archive are served', () => {
  it('a link named like a backup history file, aimed outside, is not in the archive', async () => {
    const { symlinkSync } = await import('node:fs');
    const secret = join(archive, '..', 'shadow');
    await writeFile(secret, `START WAL LOCATION: 0/3000028 (file ${SEG})\nsecret\n`);
    symlinkSync(secret, join(archive, `${SEG}.00000028.backup`));
    symlinkSync(secret, join(archive, SEG));
    expect((await restore(args(`${SEG}.00000028.backup`))).status).toBe(1);
    expect((await restore(args())).status).toBe(1);
    expect(await walFiles()).toEqual([]);
  });

  it('150: a file named like a backup history file that is not one', async () => {
    await writeFile(join(archive, `${SEG}.00000028.backup`), 'root:x:0:0::/root:/bin/sh\n');
    const { status, err } = await restore(args(`${SEG}.00000028.backup`));
    expect(status).toBe(150);
    expect(err).toContain('not a backup history file');
    expect(await walFiles()).toEqual([]);
  });
});

describe('integrity failures stop recovery (status above 125)', () => {
  it('150: the page header does not match the name', async () => {
    await writeFile(join(archive, SEG), makeSegment({ name: '000000010000000000000004' }));
    const { status, err } = await restore(args());
    expect(status).toBe(150);
    expect(err).toContain(`Cannot restore "${SEG}": page header address 0/4000000, the name says 0/3000000`);
    expect(await walFiles()).toEqual([]);
  });
  it('150: a file of zeros, and the message names the file', async () => {
    await writeFile(join(archive, SEG), Buffer.alloc(16 * MB));
    const { status, err } = await restore(args());
    expect(status).toBe(150);
    expect(err).toContain(`Cannot restore "${SEG}": WAL page header: invalid info bits 0x0000`);
  });
  it('150: a truncated segment', async () => {
    await writeFile(join(archive, SEG), makeSegment({ name: SEG }).subarray(0, MB));
    expect((await restore(args())).status).toBe(150);
  });
  it('150: a broken history file', async () => {
    await writeFile(join(archive, '00000002.history'), 'garbage\n');
    expect((await restore(args('00000002.history'))).status).toBe(150);
  });
  it('151: a segment of another system than the archive records', async () => {
    await writeFile(join(archive, '.warmstandby-system-identifier'), '42\n');
    await writeFile(join(archive, SEG), makeSegment({ name: SEG }));
    const { status, err } = await restore(args());
    expect(status).toBe(151);
    expect(err).toContain(`belongs to database system ${SYSID}, not 42`);
  });
  it('151: a segment of another system than the data directory (pg_control)', async () => {
    const control = Buffer.alloc(8192);
    control.writeBigUInt64LE(77n, 0);
    await mkdir(join(datadir, 'global'));
    await writeFile(join(datadir, 'global', 'pg_control'), control);
    await writeFile(join(archive, '.warmstandby-system-identifier'), `${SYSID}\n`);
    await writeFile(join(archive, SEG), makeSegment({ name: SEG }));
    expect((await restore(args())).status).toBe(151);
  });
  it.each(['gzip', 'lz4', 'zstd'] as const)('152: corrupt %s data', async (method) => {
    const compressed = await compressBuffer(makeSegment({ name: SEG, fill: 3 }), { method, level: 1 });
    const middle = Math.floor(compressed.length / 2);
    compressed[middle] = (compressed[middle] ?? 0) ^ 0x55;
    await writeFile(join(archive, `${SEG}${{ gzip: '.gz', lz4: '.lz4', zstd: '.zst' }[method]}`), compressed);
    const { status, err } = await restore(args());
    expect(status).toBe(152);
    expect(err).toContain('Cannot decompress');
    expect(await walFiles()).toEqual([]);
  });
  it('152: a truncated zstd file', async () => {
    const compressed = await compressBuffer(makeSegment({ name: SEG, fill: 3 }), { method: 'zstd', level: 1 });
    await writeFile(join(archive, `${SEG}.zst`), compressed.subarray(0, compressed.length - 10));
    expect((await restore(args())).status).toBe(152);
  });
});

describe('I/O errors are not fatal (status 3)', () => {
  it('cannot write %p into a missing directory', async () => {
    await writeFile(join(archive, SEG), makeSegment({ name: SEG }));
    const { status, err } = await restore([SEG, 'missing/RECOVERYXLOG', archive]);
    expect(status).toBe(3);
    expect(err).toMatch(/Cannot write file ".*missing\/\.RECOVERYXLOG\..*\.tmp": No such file or directory/);
  });
});
