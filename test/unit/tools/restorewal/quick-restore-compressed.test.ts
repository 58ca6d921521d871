import { readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressBuffer } from '../../../../src/core/compression/codec.js';
import { restoreCompressedQuickly } from '../../../../src/tools/restorewal/quick-restore-compressed.js';
import { makeSegment } from '../archive-hooks/wal-fixtures.js';
import { archivedVariantOf, makeRestoreDirs, restoreThroughRoute, walFileOf, walFilesIn } from './data-dir-fixture.js';

// restore_command's compressed case done without the tool (quick-restore-compressed.ts): it
// may only ever restore what the tool would, and must leave everything as it found it
// whenever it hands over, so that the tool does the work again and explains.
const SEG = '000000010000000000000003';
const SUFFIX = { gzip: '.gz', lz4: '.lz4', zstd: '.zst' } as const;
type Method = keyof typeof SUFFIX;
const METHODS = Object.keys(SUFFIX) as Method[];
let datadir: string;
let archive: string;

beforeEach(() => {
  ({ datadir, archive } = makeRestoreDirs('ws-rwqc-'));
});
afterEach(() => rmSync(join(datadir, '..'), { recursive: true, force: true }));

const archiveAs = async (method: Method, content: Buffer, name = SEG): Promise<void> => {
  writeFileSync(join(archive, `${name}${SUFFIX[method]}`), await compressBuffer(content, { method, level: method === 'zstd' ? 3 : -1 }));
};
const quick = async (name = SEG, target = 'pg_wal/RECOVERYXLOG'): Promise<boolean> => {
  const { file, variant } = archivedVariantOf(archive, name);
  return restoreCompressedQuickly(variant, file, target, datadir);
};
const walFiles = (): string[] => walFilesIn(datadir);

describe.each(METHODS)('a %s segment restored without the tool', (method) => {
  it('is decompressed to %p, mode 0600, with no temporary file left', async () => {
    const segment = makeSegment({ name: SEG, fill: 5 });
    await archiveAs(method, segment);
    expect(await quick()).toBe(true);
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).equals(segment)).toBe(true);
    expect(statSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).mode & 0o777).toBe(0o600);
    expect(walFiles()).toEqual(['RECOVERYXLOG']);
  });

  it('under the segment\'s own name (pg_rewind -c), replacing what was there', async () => {
    writeFileSync(join(datadir, 'pg_wal', SEG), 'old');
    const segment = makeSegment({ name: SEG, fill: 6 });
    await archiveAs(method, segment);
    expect(await quick(SEG, `pg_wal/${SEG}`)).toBe(true);
    expect(readFileSync(join(datadir, 'pg_wal', SEG)).equals(segment)).toBe(true);
    expect(walFiles()).toEqual([SEG]);
  });

  it.each([
    ['of another system than pg_control', () => archiveAs(method, makeSegment({ name: SEG, systemIdentifier: '77' }))],
    ['whose header names another segment', () => archiveAs(method, makeSegment({ name: SEG, pageAddress: 0n }))],
    ['that is truncated', () => archiveAs(method, makeSegment({ name: SEG }).subarray(0, 8192))],
    ['of zeros', () => archiveAs(method, Buffer.alloc(16 * 1024 * 1024))],
    ['whose compressed data is damaged', async () => {
      await archiveAs(method, makeSegment({ name: SEG, fill: 3 }));
      const path = join(archive, `${SEG}${SUFFIX[method]}`);
      const data = readFileSync(path);
      data.fill(0x5a, 20, Math.min(data.length - 8, 4096));
      writeFileSync(path, data);
    }],
    ['when pg_control cannot be read', async () => {
      rmSync(join(datadir, 'global', 'pg_control'));
      await archiveAs(method, makeSegment({ name: SEG }));
    }],
  ])('is handed to the tool, %p untouched and nothing left behind, for a segment %s', async (_, arrange) => {
    writeFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG'), 'old');
    await arrange();
    expect(await quick()).toBe(false);
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG'), 'utf8')).toBe('old');
    expect(walFiles()).toEqual(['RECOVERYXLOG']);
  });

  it('hands over a link swapped in under the archived name after the lookup, never following it', async () => {
    await archiveAs(method, makeSegment({ name: SEG, fill: 4 }));
    const { file, variant } = archivedVariantOf(archive, SEG);
    const elsewhere = join(datadir, '..', `elsewhere${SUFFIX[method]}`);
    writeFileSync(elsewhere, readFileSync(variant.path));
    rmSync(variant.path);
    symlinkSync(elsewhere, variant.path);
    expect(await restoreCompressedQuickly(variant, file, 'pg_wal/RECOVERYXLOG', datadir)).toBe(false);
    expect(walFiles()).toEqual([]);
  });

  it('hands over the first segment of a new timeline, whose check needs the history file', async () => {
    const next = '000000020000000000000003';
    await archiveAs(method, makeSegment({ name: next, timeline: 1 }), next);
    expect(await quick(next)).toBe(false);
    expect(walFiles()).toEqual([]);
  });

  it('hands over when %p\'s directory is missing', async () => {
    await archiveAs(method, makeSegment({ name: SEG }));
    expect(await quick(SEG, 'missing/RECOVERYXLOG')).toBe(false);
  });
});

describe('what the compressed quick path never takes', () => {
  it('a partial segment, or a plain one', async () => {
    await archiveAs('gzip', makeSegment({ name: SEG }).subarray(0, 1024 * 1024), `${SEG}.partial`);
    expect(await quick(`${SEG}.partial`)).toBe(false);
    writeFileSync(join(archive, SEG), makeSegment({ name: SEG }));
    const file = walFileOf(SEG);
    expect(await restoreCompressedQuickly({ name: SEG, path: join(archive, SEG), compression: 'none', size: 16 * 1024 * 1024 }, file,
      'pg_wal/RECOVERYXLOG', datadir)).toBe(false);
    expect(walFiles()).toEqual([]);
  });
});

describe('the route (cli.ts): what the compressed quick path hands over, the tool explains', () => {
  const restore = (): Promise<{ status: number; err: string }> => restoreThroughRoute(datadir, SEG, archive);

  it('a good lz4 segment: 0, silently', async () => {
    const segment = makeSegment({ name: SEG, fill: 7 });
    await archiveAs('lz4', segment);
    expect(await restore()).toEqual({ status: 0, err: '' });
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).equals(segment)).toBe(true);
  });

  it('a damaged gzip segment: the tool\'s status for damaged data and its reason, nothing at %p', async () => {
    await archiveAs('gzip', makeSegment({ name: SEG, fill: 3 }));
    const path = join(archive, `${SEG}.gz`);
    const data = readFileSync(path);
    data.fill(0x5a, 20, 4096);
    writeFileSync(path, data);
    const { status, err } = await restore();
    expect(status).toBe(152);
    expect(err).toMatch(/restorewal: error: .*\.gz/);
    expect(walFiles()).toEqual([]);
  });
});
