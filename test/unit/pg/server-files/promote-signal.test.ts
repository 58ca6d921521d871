import { chmod, chown, link, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDataDirectory } from '../../../../src/core/pg/server-files/data-directory.js';
import { removePromoteSignal, writePromoteSignal } from '../../../../src/core/pg/server-files/promote-signal.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe('promote signal file', () => {
  let root: string;
  let counter = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ws-promote-signal-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const cluster = async (mode: number): Promise<string> => {
    counter += 1;
    const dir = join(root, `c${counter}`);
    await mkdir(dir);
    await chmod(dir, mode);
    await writeFile(join(dir, 'PG_VERSION'), '16\n');
    return dir;
  };

  it('creates an empty file with the mode the server uses (0600, or 0640 with group access)', async () => {
    for (const [dirMode, fileMode] of [[0o700, 0o600], [0o750, 0o640]] as const) {
      const dir = await cluster(dirMode);
      const path = await writePromoteSignal(await inspectDataDirectory(dir));
      const info = await stat(path);
      expect(path).toBe(join(dir, 'promote'));
      expect(info.size).toBe(0);
      expect(info.mode & 0o777).toBe(fileMode);
    }
  });

  it.runIf(isRoot)('as root, gives the file to the data directory\'s owner so the server can manage it', async () => {
    const dir = await cluster(0o700);
    await chown(dir, NOBODY, NOBODY);
    const path = await writePromoteSignal(await inspectDataDirectory(dir));
    const info = await stat(path);
    expect([info.uid, info.gid]).toEqual([NOBODY, NOBODY]);
  });

  it('empties a leftover regular file instead of failing', async () => {
    const dir = await cluster(0o700);
    await writeFile(join(dir, 'promote'), 'stale');
    await writePromoteSignal(await inspectDataDirectory(dir));
    expect(await readFile(join(dir, 'promote'), 'utf8')).toBe('');
  });

  it('does not follow a symbolic link planted as "promote"', async () => {
    const dir = await cluster(0o700);
    const victim = join(root, `victim${counter}`);
    await writeFile(victim, 'precious');
    await symlink(victim, join(dir, 'promote'));
    await expect(writePromoteSignal(await inspectDataDirectory(dir))).rejects.toThrowError(
      `could not create promote signal file "${join(dir, 'promote')}": it is a symbolic link`,
    );
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(join(dir, 'promote'))).isSymbolicLink()).toBe(true);
  });

  it('does not truncate a file hard-linked as "promote"', async () => {
    const dir = await cluster(0o700);
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious');
    await link(victim, join(dir, 'promote'));
    await expect(writePromoteSignal(await inspectDataDirectory(dir))).rejects.toThrowError(/is not a plain file/);
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });

  it('refuses a directory named "promote"', async () => {
    const dir = await cluster(0o700);
    await mkdir(join(dir, 'promote'));
    await expect(writePromoteSignal(await inspectDataDirectory(dir))).rejects.toThrowError(
      /could not create promote signal file/,
    );
  });

  it('removes the file, and accepts that it is already gone', async () => {
    const dir = await cluster(0o700);
    await writePromoteSignal(await inspectDataDirectory(dir));
    await removePromoteSignal(dir);
    await expect(stat(join(dir, 'promote'))).rejects.toThrowError(/ENOENT/);
    await removePromoteSignal(dir);
  });
});
