import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TarExtractor } from '../../../src/core/backup/extractor.js';
import { SyncQueue } from '../../../src/core/fs/sync-queue.js';
import { TAR_BLOCK_SIZE, type TarMember, createTarHeader, tarPadding } from '../../../src/core/backup/tar-format.js';
import { TarParser } from '../../../src/core/backup/tar-parser.js';

// Hostile archives, as a compromised or impersonated server would send them: links aimed
// outside the output, then members that would have their modes set through those links.
// Nothing outside the output may change: the outside directory and file are snapshotted.

let root: string;
let out: string;
let outside: string;
let outsideFile: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ws-hostile-tar-'));
  out = join(root, 'data');
  outside = join(root, 'outside');
  outsideFile = join(outside, 'binary');
  mkdirSync(out, { mode: 0o700 });
  mkdirSync(outside, { mode: 0o755 });
  writeFileSync(outsideFile, 'x', { mode: 0o755 });
  chmodSync(outside, 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const member = (name: string, type: TarMember['type'], extra: Partial<TarMember> = {}): TarMember => ({
  name, type, size: 0, mode: type === 'directory' ? 0o700 : 0o600, uid: 0, gid: 0, mtime: 1_700_000_000, linkTarget: '', ...extra,
});

const tarOf = (members: readonly (TarMember & { data?: Buffer })[]): Buffer =>
  Buffer.concat([
    ...members.flatMap((m) => {
      const data = m.data ?? Buffer.alloc(0);
      return [createTarHeader({ ...m, size: data.length }), data, Buffer.alloc(tarPadding(data.length))];
    }),
    Buffer.alloc(2 * TAR_BLOCK_SIZE),
  ]);

const extract = async (members: readonly TarMember[], isMainArchive = true): Promise<Error | undefined> => {
  const extractor = new TarExtractor({
    directory: out, mapLinkTarget: (t) => t, queue: new SyncQueue(false), directoryMode: 0o700, isMainArchive,
    tablespaceLocations: [outside],
  });
  const parser = new TarParser(extractor);
  try {
    await parser.push(tarOf(members));
    await parser.end();
    return undefined;
  } catch (error) {
    extractor.abandon();
    return error as Error;
  }
};

const snapshot = () => ({
  dir: statSync(outside).mode & 0o7777,
  file: statSync(outsideFile).mode & 0o7777,
  names: readdirSync(outside).sort(),
});

describe('links only where PostgreSQL puts them; no mode set through a link', () => {
  it.each([
    ['a tablespace link out, an in-tree link to it named archive_status, then a 0777 directory member', [
      member('pg_tblspc', 'directory'),
      member('pg_tblspc/16999', 'symlink', { linkTarget: '' }),
      member('x', 'directory'),
      member('x/archive_status', 'symlink', { linkTarget: '../pg_tblspc/16999' }),
      member('x/archive_status', 'directory', { mode: 0o777 }),
    ]],
    ['the same aimed at a file with a setuid mode', [
      member('pg_tblspc', 'directory'),
      member('pg_tblspc/16999', 'symlink', { linkTarget: '' }),
      member('x', 'directory'),
      member('x/archive_status', 'symlink', { linkTarget: '../pg_tblspc/16999/binary' }),
      member('x/archive_status', 'directory', { mode: 0o4777 }),
    ]],
    ['a tablespace-looking link, then a directory member of the same name', [
      member('pg_tblspc', 'directory'),
      member('pg_tblspc/16999', 'symlink', { linkTarget: '' }),
      member('pg_tblspc/16999', 'directory', { mode: 0o777 }),
    ]],
    ['a link named pg_wal to the outside, then pg_wal with a setuid mode', [
      member('pg_wal', 'symlink', { linkTarget: '' }),
      member('pg_wal', 'directory', { mode: 0o4777 }),
    ]],
    ['a relative link that stays inside the tree lexically', [
      member('a', 'directory'),
      member('a/b', 'symlink', { linkTarget: '..' }),
    ]],
  ])('%s: refused, nothing outside changes', async (_what, members) => {
    // '' stands for the outside directory, absolute (what a tablespace link may carry).
    const resolved = members.map((m) => (m.type === 'symlink' && m.linkTarget === '' ? { ...m, linkTarget: outside } : m));
    const before = snapshot();
    const error = await extract(resolved);
    expect(error?.message).toMatch(/symbolic link|unsafe path name|already exists|File exists|EEXIST/);
    expect(snapshot()).toEqual(before);
  });

  it('a tablespace link in pg_tblspc is made, but nothing is written or chmodded through it', async () => {
    const before = snapshot();
    const error = await extract([
      member('pg_tblspc', 'directory'),
      member('pg_tblspc/16999', 'symlink', { linkTarget: outside }),
      member('pg_tblspc/16999/binary', 'file', { mode: 0o4777 }),
    ]);
    expect(error?.message).toContain('it passes through a symbolic link');
    expect(lstatSync(join(out, 'pg_tblspc', '16999')).isSymbolicLink()).toBe(true);
    expect(snapshot()).toEqual(before);
  });

  it('a tablespace link to a location the header did not list (/) is refused', async () => {
    const error = await extract([member('pg_tblspc', 'directory'), member('pg_tblspc/16999', 'symlink', { linkTarget: '/' })]);
    expect(error?.message).toContain('which is not a tablespace in the backup header');
  });

  it('a tablespace archive carries no links at all', async () => {
    const error = await extract([member('pg_tblspc', 'directory'), member('pg_tblspc/1', 'symlink', { linkTarget: outside })], false);
    expect(error?.message).toContain('PostgreSQL sends links only as pg_tblspc/<oid>');
  });

  it('pg_wal made beforehand (WAL streaming, or a --waldir link) is accepted, its target left as it is', async () => {
    symlinkSync(outside, join(out, 'pg_wal'));
    const before = snapshot();
    expect(await extract([member('pg_wal', 'directory', { mode: 0o777 })])).toBeUndefined();
    expect(snapshot()).toEqual(before);
    rmSync(join(out, 'pg_wal'));
    mkdirSync(join(out, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
    expect(await extract([member('pg_wal', 'directory', { mode: 0o750 }), member('pg_wal/archive_status', 'directory', { mode: 0o750 })]))
      .toBeUndefined();
    expect(statSync(join(out, 'pg_wal', 'archive_status')).mode & 0o777).toBe(0o750);
  });

  it('any other existing name is refused (only pg_wal may exist beforehand)', async () => {
    mkdirSync(join(out, 'x'));
    mkdirSync(join(out, 'x', 'archive_status'));
    const error = await extract([member('x', 'directory')]);
    expect(error?.message).toMatch(/exists/i);
  });
});
