import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restorePlainQuickly } from '../../../../src/tools/restorewal/quick-restore-plain.js';
import { syncsRestoredFile } from '../../../../src/tools/restorewal/restored-copy.js';
import { makeSegment, SYSID } from '../archive-hooks/wal-fixtures.js';
import { archivedVariantOf, makeRestoreDirs, restoreThroughRoute, walFileOf, walFilesIn, writeControl } from './data-dir-fixture.js';

// restore_command's plain case done without the tool (quick-restore-plain.ts): it may only
// ever restore what the tool would, and must leave everything as it found it whenever it
// hands over, so that the tool does the work again and explains.
const SEG = '000000010000000000000003';
let datadir: string;
let archive: string;

beforeEach(() => {
  ({ datadir, archive } = makeRestoreDirs('ws-rwq-'));
});
afterEach(() => rmSync(join(datadir, '..'), { recursive: true, force: true }));

const quick = (name = SEG, target = 'pg_wal/RECOVERYXLOG'): boolean => {
  const { file, variant } = archivedVariantOf(archive, name);
  return restorePlainQuickly(variant, file, target, datadir);
};
const walFiles = (): string[] => walFilesIn(datadir);

describe('a plain segment restored without the tool', () => {
  it('is copied to %p, mode 0600, with no temporary file left', () => {
    const segment = makeSegment({ name: SEG, fill: 5 });
    writeFileSync(join(archive, SEG), segment, { mode: 0o644 });
    expect(quick()).toBe(true);
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).equals(segment)).toBe(true);
    expect(statSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).mode & 0o777).toBe(0o600);
    expect(walFiles()).toEqual(['RECOVERYXLOG']);
  });

  it('replaces an earlier RECOVERYXLOG', () => {
    writeFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG'), 'old');
    const segment = makeSegment({ name: SEG, fill: 6 });
    writeFileSync(join(archive, SEG), segment);
    expect(quick()).toBe(true);
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).equals(segment)).toBe(true);
  });

  it.each([
    ['of another system than pg_control', () => writeFileSync(join(archive, SEG), makeSegment({ name: SEG, systemIdentifier: '77' }))],
    ['whose header names another segment', () => writeFileSync(join(archive, SEG), makeSegment({ name: SEG, pageAddress: 0n }))],
    ['that is truncated', () => writeFileSync(join(archive, SEG), makeSegment({ name: SEG }).subarray(0, 8192))],
    ['of zeros', () => writeFileSync(join(archive, SEG), Buffer.alloc(16 * 1024 * 1024))],
    ['when pg_control cannot be read', () => {
      rmSync(join(datadir, 'global', 'pg_control'));
      writeFileSync(join(archive, SEG), makeSegment({ name: SEG }));
    }],
  ])('is handed to the tool, %p untouched and nothing left behind, for a segment %s', (_, arrange) => {
    writeFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG'), 'old');
    arrange();
    expect(quick()).toBe(false);
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG'), 'utf8')).toBe('old');
    expect(walFiles()).toEqual(['RECOVERYXLOG']);
  });

  it('hands over the first segment of a new timeline, whose check needs the history file', () => {
    const next = '000000020000000000000003';
    writeFileSync(join(archive, next), makeSegment({ name: next, timeline: 1 }));
    expect(quick(next)).toBe(false);
    expect(walFiles()).toEqual([]);
  });

  it('hands over when %p\'s directory is missing', () => {
    writeFileSync(join(archive, SEG), makeSegment({ name: SEG }));
    expect(quick(SEG, 'missing/RECOVERYXLOG')).toBe(false);
  });

  it('never takes a partial segment or a compressed copy', () => {
    writeFileSync(join(archive, `${SEG}.partial`), makeSegment({ name: SEG }).subarray(0, 1024 * 1024));
    expect(quick(`${SEG}.partial`)).toBe(false);
    writeFileSync(join(archive, `${SEG}.gz`), 'x');
    const file = walFileOf(SEG);
    expect(restorePlainQuickly({ name: `${SEG}.gz`, path: join(archive, `${SEG}.gz`), compression: 'gzip', size: 1 }, file, 'pg_wal/RECOVERYXLOG', datadir)).toBe(false);
    expect(walFiles()).toEqual([]);
  });
});

describe('the route (cli.ts): what the quick path hands over, the tool explains', () => {
  const restore = (): Promise<{ status: number; err: string }> => restoreThroughRoute(datadir, SEG, archive);

  it('a good segment: 0, silently', async () => {
    const segment = makeSegment({ name: SEG, fill: 7 });
    writeFileSync(join(archive, SEG), segment);
    expect(await restore()).toEqual({ status: 0, err: '' });
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).equals(segment)).toBe(true);
  });

  it('a foreign segment: 151 and the reason, nothing at %p', async () => {
    writeControl(datadir, 77n);
    writeFileSync(join(archive, SEG), makeSegment({ name: SEG }));
    const { status, err } = await restore();
    expect(status).toBe(151);
    expect(err).toContain(`belongs to database system ${SYSID}, not 77`);
    expect(walFiles()).toEqual([]);
  });
});

describe('which restores are fsynced (syncsRestoredFile)', () => {
  it('not the server\'s scratch names in pg_wal, which the server fsyncs before it uses them', () => {
    expect(syncsRestoredFile('/data/pg_wal/RECOVERYXLOG', true)).toBe(false);
    expect(syncsRestoredFile('/data/pg_wal/RECOVERYHISTORY', true)).toBe(false);
  });

  it('every other target, unless --no-sync', () => {
    expect(syncsRestoredFile(`/data/pg_wal/${SEG}`, true)).toBe(true);
    expect(syncsRestoredFile('/restore/RECOVERYXLOG', true)).toBe(true);
    expect(syncsRestoredFile('/data/pg_wal/RECOVERYXLOG.old', true)).toBe(true);
    expect(syncsRestoredFile(`/data/pg_wal/${SEG}`, false)).toBe(false);
  });
});
