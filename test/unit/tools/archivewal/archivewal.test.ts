import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../../src/tools/archivewal/cli.js';
import { captureIO } from '../../../harness/capture-io.js';
import { backupHistoryText, makeSegment, MB, SYSID } from '../archive-hooks/wal-fixtures.js';

const SEG = '000000010000000000000003';
let root: string;
let pgwal: string;
let archive: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ws-aw-'));
  pgwal = join(root, 'pg_wal');
  archive = join(root, 'archive');
  await mkdir(pgwal);
  await mkdir(archive);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs archivewal in-process with the data directory as cwd, as the archiver does. */
const push = async (args: string[]) => {
  const io = captureIO(root);
  const status = await main(args, io);
  return { status, out: io.out(), err: io.err() };
};
const place = async (name: string, data: Buffer | string): Promise<string> => {
  await writeFile(join(pgwal, name), data);
  return `pg_wal/${name}`;
};
const archived = async (): Promise<string[]> => (await readdir(archive)).sort();

describe('archiving', () => {
  it('publishes a segment and records the system identifier', async () => {
    const segment = makeSegment({ name: SEG, fill: 7 });
    const { status, err } = await push([await place(SEG, segment), archive]);
    expect([status, err]).toEqual([0, '']);
    expect(await archived()).toEqual(['.warmstandby-system-identifier', SEG]);
    expect((await readFile(join(archive, SEG))).equals(segment)).toBe(true);
    expect(await readFile(join(archive, '.warmstandby-system-identifier'), 'utf8')).toBe(`${SYSID}\n`);
  });

  it('says so and exits 0 when the same content is already archived', async () => {
    const source = await place(SEG, makeSegment({ name: SEG, fill: 7 }));
    await push([source, archive]);
    const { status, err } = await push([source, archive]);
    expect(status).toBe(0);
    expect(err).toBe(`archivewal: "${SEG}" is already archived as "${SEG}" with identical content\n`);
  });

  it('refuses different content under an archived name and leaves it untouched', async () => {
    const first = makeSegment({ name: SEG, fill: 7 });
    await push([await place(SEG, first), archive]);
    const { status, err } = await push([await place(SEG, makeSegment({ name: SEG, fill: 8 })), archive]);
    expect(status).toBe(1);
    expect(err).toContain(`Cannot archive "${SEG}": the archive already holds "${SEG}" with different content`);
    expect((await readFile(join(archive, SEG))).equals(first)).toBe(true);
    expect(await archived()).toEqual(['.warmstandby-system-identifier', SEG]);
  });

  it('keeps one copy and correct answers with 16 concurrent pushers', async () => {
    const source = await place(SEG, makeSegment({ name: SEG, fill: 3 }));
    const results = await Promise.all(Array.from({ length: 16 }, () => push([source, archive])));
    expect(results.map((r) => r.status)).toEqual(Array(16).fill(0));
    expect(results.filter((r) => r.err.includes('already archived')).length).toBeGreaterThanOrEqual(1);
    expect(await archived()).toEqual(['.warmstandby-system-identifier', SEG]);
  });

  it('prints a JSON result', async () => {
    const { status, out } = await push(['--json', await place(SEG, makeSegment({ name: SEG })), archive]);
    expect(status).toBe(0);
    expect(JSON.parse(out)).toEqual({
      file: SEG, outcome: 'archived', storedAs: SEG, bytes: 16 * MB, storedBytes: 16 * MB, systemIdentifier: SYSID,
    });
  });
});

describe('what it accepts', () => {
  it('accepts .partial, .history and .backup files', async () => {
    const partial = `${SEG}.partial`;
    const history = '00000002.history';
    const backup = `${SEG}.00000028.backup`;
    expect((await push([await place(partial, makeSegment({ name: SEG }).subarray(0, 8192 * 3)), archive])).status).toBe(0);
    expect((await push([await place(history, '1\t0/3000148\tno recovery target specified\n'), archive])).status).toBe(0);
    expect((await push([await place(backup, backupHistoryText(SEG, '00000028')), archive])).status).toBe(0);
    expect(await archived()).toEqual(['.warmstandby-system-identifier', history, SEG + '.00000028.backup', partial].sort());
  });

  it.each([
    ['x', 'not the name of a WAL segment'],
    ['../x', 'not the name of a WAL segment'],
    ['/etc/passwd', 'not the name of a WAL segment'],
    [`pg_wal/${SEG}.gz`, 'not the name of a WAL segment'],
    ['pg_wal/00000001000000000000000a', 'not the name of a WAL segment'],
    ['pg_wal/', 'not a file name'],
    ['..', 'not a file name'],
    ['pg_wal/archive_status', 'not the name of a WAL segment'],
  ])('refuses %j', async (source, message) => {
    const { status, err } = await push([source, archive]);
    expect(status).toBe(1);
    expect(err).toContain(message);
    expect(await archived()).toEqual([]);
  });

  it.each([
    ['a newer timeline in the header', makeSegment({ name: SEG, timeline: 2 }), /page header has timeline 2, newer than the name's 1/],
    ['another address in the header', makeSegment({ name: SEG, pageAddress: 0n }), /page header address 0\/0, the name says 0\/3000000/],
    ['an unsupported major', makeSegment({ name: SEG, magic: 0xd106 }), /not from PostgreSQL 14-18/],
    ['a short segment', makeSegment({ name: SEG }).subarray(0, MB), /holds 1048576 bytes, a segment holds 16777216/],
    ['zeros', Buffer.alloc(16 * MB), /invalid info bits/],
  ])('refuses a segment with %s', async (_what, data, message) => {
    const { status, err } = await push([await place(SEG, data), archive]);
    expect(status).toBe(1);
    expect(err).toMatch(message);
    expect(await archived()).toEqual([]);
  });

  describe('the first segment of a new timeline, which starts with the old timeline\'s pages', () => {
    const NEXT = '000000030000000000000003';
    const first = makeSegment({ name: NEXT, timeline: 1, fill: 5 });

    it('is archived when the header\'s timeline is in the history beside it in pg_wal', async () => {
      await place('00000003.history', '1\t0/3000148\tno recovery target specified\n2\t0/3000200\tx\n');
      const { status, err } = await push([await place(NEXT, first), archive]);
      expect([status, err]).toEqual([0, '']);
      expect((await readFile(join(archive, NEXT))).equals(first)).toBe(true);
      // Archived again after a crash before the archiver noted success: same content, exit 0.
      expect((await push([`pg_wal/${NEXT}`, archive])).status).toBe(0);
    });

    it('is archived with no history at hand (an older timeline can only be an ancestor)', async () => {
      expect((await push([await place(NEXT, first), archive])).status).toBe(0);
    });

    it('uses the archive\'s history when pg_wal has none', async () => {
      await writeFile(join(archive, '00000003.history'), '2\t0/3000148\tbranch of 2 only\n');
      const { status, err } = await push([await place(NEXT, first), archive]);
      expect(status).toBe(1);
      expect(err).toContain('page header has timeline 1, which is not in the history of timeline 3');
      expect(await archived()).toEqual(['00000003.history']);
    });
  });

  it('refuses malformed history and backup history files', async () => {
    expect((await push([await place('00000002.history', 'not a history\n'), archive])).err).toMatch(/numeric timeline ID/);
    expect((await push([await place('00000002.history', '2\t0/1\tr\n'), archive])).err).toMatch(/not older than 2/);
    const backup = `${SEG}.00000028.backup`;
    expect((await push([await place(backup, 'hello'), archive])).err).toMatch(/not a backup history file/);
    expect(await archived()).toEqual([]);
  });

  it('refuses a segment of another system once the archive has recorded one', async () => {
    await push([await place(SEG, makeSegment({ name: SEG })), archive]);
    const next = '000000010000000000000004';
    const { status, err } = await push([await place(next, makeSegment({ name: next, systemIdentifier: '42' })), archive]);
    expect(status).toBe(1);
    expect(err).toContain(`belongs to database system 42, the archive "${archive}" to ${SYSID}`);
    expect(await archived()).toEqual(['.warmstandby-system-identifier', SEG]);
  });

  it('fails with 1, never above 125, for a missing source or archive', async () => {
    expect((await push([`pg_wal/${SEG}`, archive])).err).toMatch(/Cannot read file ".*pg_wal\/000000010000000000000003": No such file/);
    const missing = await push([await place(SEG, makeSegment({ name: SEG })), join(root, 'nowhere')]);
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/Cannot archive into ".*nowhere": No such file or directory/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await push([])).status).toBe(2);
    expect((await push(['a', 'b', 'c'])).status).toBe(2);
    const bad = await push(['-Z', 'bzip2', 'a', 'b']);
    expect([bad.status, bad.err.split('\n')[0]]).toEqual([2, 'archivewal: error: unrecognized compression algorithm: "bzip2"']);
  });
});

describe('compression', () => {
  const tools = { gzip: ['gzip', '.gz'], lz4: ['lz4', '.lz4'], zstd: ['zstd', '.zst'] } as const;

  it.each(['gzip', 'lz4', 'zstd'] as const)('-Z %s stores NAME%s that the CLI accepts', async (method) => {
    const [tool, suffix] = tools[method];
    const segment = makeSegment({ name: SEG, fill: 1 });
    const { status } = await push(['-Z', method, await place(SEG, segment), archive]);
    expect(status).toBe(0);
    expect(await archived()).toEqual(['.warmstandby-system-identifier', `${SEG}${suffix}`]);
    const stored = join(archive, `${SEG}${suffix}`);
    expect(spawnSync(tool, ['-t', stored]).status).toBe(0);
    expect(execFileSync(tool, ['-d', '-c', stored], { maxBuffer: 32 * MB }).equals(segment)).toBe(true);
  });

  it('compares a new push with the decompressed archived content', async () => {
    const segment = makeSegment({ name: SEG, fill: 1 });
    const source = await place(SEG, segment);
    await push(['-Z', 'gzip:1', source, archive]);
    expect(gunzipSync(await readFile(join(archive, `${SEG}.gz`))).equals(segment)).toBe(true);
    const plainAgain = await push([source, archive]);
    expect([plainAgain.status, plainAgain.err]).toEqual([0, `archivewal: "${SEG}" is already archived as "${SEG}.gz" with identical content\n`]);
    const other = await push(['-Z', 'zstd', await place(SEG, makeSegment({ name: SEG, fill: 2 })), archive]);
    expect(other.status).toBe(1);
    expect(other.err).toContain(`already holds "${SEG}.gz" with different content`);
    expect(await archived()).toEqual(['.warmstandby-system-identifier', `${SEG}.gz`]);
  });

  it('stores history files plain even with -Z', async () => {
    await push(['-Z', 'zstd', await place('00000002.history', '1\t0/3000148\treason\n'), archive]);
    expect(await archived()).toEqual(['00000002.history']);
  });
});
