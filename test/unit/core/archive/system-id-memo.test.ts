import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryArchive } from '../../../../src/core/archive/directory-archive.js';
import { publishWalFile, type SystemIdMemo } from '../../../../src/core/archive/publish-wal-file.js';
import { ARCHIVE_SYSTEM_ID_FILE } from '../../../../src/core/archive/system-id.js';
import { segmentFileName } from '../../../../src/core/wal/segment-name.js';
import { classifyWalFileName, type WalFileName } from '../../../../src/core/wal/wal-file-kind.js';
import { makeSegment, MB, SYSID } from '../../tools/archive-hooks/wal-fixtures.js';

const PLAIN = { compression: { method: 'none', level: 0 } } as const;
let root: string;
let archive: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ws-sysid-memo-'));
  archive = join(root, 'archive');
  await mkdir(archive);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A directory archive that counts the reads of its system identifier record. */
class CountingArchive extends DirectoryArchive {
  recordReads = 0;
  override async read(name: string, maxBytes: number) {
    if (name === ARCHIVE_SYSTEM_ID_FILE) this.recordReads += 1;
    return super.read(name, maxBytes);
  }
}

const segment = async (index: number, systemIdentifier = SYSID): Promise<{ path: string; file: WalFileName }> => {
  const name = segmentFileName(1, BigInt(index), 16 * MB);
  const path = join(root, name);
  await writeFile(path, makeSegment({ name, systemIdentifier }));
  return { path, file: classifyWalFileName(name) as WalFileName };
};

describe('a long-lived publisher remembering the archive\'s system identifier', () => {
  it('reads the record once for many segments of its own system; a one-shot push reads it each time', async () => {
    const store = new CountingArchive(archive);
    const memo: SystemIdMemo = {};
    for (let i = 1; i <= 4; i += 1) {
      const { path, file } = await segment(i);
      expect((await publishWalFile(store, path, file, PLAIN, memo)).systemIdentifier).toBe(SYSID);
    }
    expect(store.recordReads).toBe(1);
    const { path, file } = await segment(5);
    await publishWalFile(store, path, file, PLAIN);
    expect(store.recordReads).toBe(2);
  });

  it('still refuses a segment of another system, by the archive\'s own record', async () => {
    const store = new CountingArchive(archive);
    const memo: SystemIdMemo = {};
    const first = await segment(1);
    await publishWalFile(store, first.path, first.file, PLAIN, memo);
    const foreign = await segment(2, '42');
    await expect(publishWalFile(store, foreign.path, foreign.file, PLAIN, memo)).rejects.toThrow(`belongs to database system 42, the archive "${archive}" to ${SYSID}`);
    expect(store.recordReads).toBe(2);
  });
});
