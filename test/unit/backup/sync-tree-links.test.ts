import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatManifest } from '../../../src/core/backup/manifest-writer.js';
import { syncTree } from '../../../src/core/backup/sync-tree.js';
import { verifyBackup } from '../../../src/core/backup/verify-backup.js';

// A backup directory with link loops planted in it (a -> ., b -> .) and a tablespace link
// to /: the final sync and --verify must end in bounded time, following links only where a
// backup has them, once.

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ws-sync-loops-'));
  mkdirSync(join(root, 'base', '1'), { recursive: true });
  writeFileSync(join(root, 'base', '1', '1259'), 'x');
  mkdirSync(join(root, 'pg_tblspc'));
  symlinkSync('.', join(root, 'a'));
  symlinkSync('.', join(root, 'base', 'b'));
  symlinkSync('..', join(root, 'base', '1', 'up'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('walks of a backup never loop', () => {
  it('the final sync ends, following no planted link', async () => {
    const began = Date.now();
    await syncTree(root, { files: true });
    expect(Date.now() - began).toBeLessThan(5000);
  });

  it('--verify ends and names the planted links', async () => {
    const manifest = formatManifest({
      files: [{ path: 'base/1/1259', size: 1, lastModified: '2026-12-04 00:00:00 GMT', algorithm: 'NONE', checksum: Buffer.alloc(0) }],
      walRanges: [],
    });
    writeFileSync(join(root, 'backup_manifest'), manifest);
    const began = Date.now();
    const result = await verifyBackup(root, { format: 'plain' }).catch((error: unknown) => error as Error);
    expect(Date.now() - began).toBeLessThan(5000);
    expect(result).not.toBeInstanceOf(Error);
    expect(JSON.stringify((result as { problems: string[] }).problems)).toContain('\\"a\\" is not a file or directory');
  });
});

describe('--verify is bounded by the backup\'s own WAL', () => {
  it('a manifest whose WAL range spans 0/0-FFFFFFFF/FFFFFFFF is refused without listing 2^40 segments', async () => {
    const { makeSegment } = await import('../tools/archive-hooks/wal-fixtures.js');
    rmSync(join(root, 'a'));
    rmSync(join(root, 'base', 'b'));
    rmSync(join(root, 'base', '1', 'up'));
    mkdirSync(join(root, 'pg_wal'));
    writeFileSync(join(root, 'pg_wal', '000000010000000000000001'), makeSegment({ name: '000000010000000000000001' }));
    writeFileSync(join(root, 'backup_manifest'), formatManifest({
      files: [{ path: 'base/1/1259', size: 1, lastModified: '2026-12-04 00:00:00 GMT', algorithm: 'NONE', checksum: Buffer.alloc(0) }],
      walRanges: [{ timeline: 1, startLsn: 0n, endLsn: 0xffffffff_ffffffffn }],
    }));
    const began = Date.now();
    const report = await verifyBackup(root, { format: 'plain' });
    expect(Date.now() - began).toBeLessThan(5000);
    expect(report.problems.join('\n')).toContain("the manifest's WAL ranges need 1099511627776 WAL segments, the backup holds 1");
  });
});

describe('--verify of a tar backup with an unsafe member', () => {
  it('is a verification problem (the backup is kept), not a crash of the check', async () => {
    const { createTarHeader, TAR_BLOCK_SIZE } = await import('../../../src/core/backup/tar-format.js');
    const tarDir = mkdtempSync(join(tmpdir(), 'ws-verify-tar-'));
    try {
      const header = createTarHeader({ name: '../../etc/evil', type: 'file', size: 0, mode: 0o600, uid: 0, gid: 0, mtime: 0, linkTarget: '' });
      writeFileSync(join(tarDir, 'base.tar'), Buffer.concat([header, Buffer.alloc(2 * TAR_BLOCK_SIZE)]));
      writeFileSync(join(tarDir, 'backup_manifest'), formatManifest({ files: [], walRanges: [] }));
      const report = await verifyBackup(tarDir, { format: 'tar', checkWal: false });
      expect(report.problems.join('\n')).toMatch(/"base\.tar": .*unsafe path name/);
    } finally {
      rmSync(tarDir, { recursive: true, force: true });
    }
  });
});
