import { chmod, chown, lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDaemonConfigFile } from '../../../src/core/docker/daemon-json/daemon-config.js';
import { restoreDaemonConfigFile, writeDaemonConfigFile } from '../../../src/core/docker/daemon-json/write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-daemon-json-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

describe('writeDaemonConfigFile', () => {
  it('replaces the file atomically with the same mode (and owner, as root)', async () => {
    const path = join(dir, 'daemon.json');
    await writeFile(path, '{"debug": true}\n');
    await chmod(path, 0o640);
    if (isRoot) await chown(path, 65534, 65534);
    const before = await readDaemonConfigFile(path);
    const inodeBefore = (await stat(path)).ino;
    await writeDaemonConfigFile(before, '{"debug": true, "live-restore": true}\n');
    const after = await stat(path);
    expect(await readFile(path, 'utf8')).toBe('{"debug": true, "live-restore": true}\n');
    expect(after.mode & 0o7777).toBe(0o640);
    if (isRoot) expect([after.uid, after.gid]).toEqual([65534, 65534]);
    // A new inode: the content was renamed into place, never rewritten in place.
    expect(after.ino).not.toBe(inodeBefore);
    expect(await readdir(dir)).toEqual(['daemon.json']);
  });

  it('creates an absent file (and its directory) with mode 0644', async () => {
    const path = join(dir, 'etc', 'docker', 'daemon.json');
    const before = await readDaemonConfigFile(path);
    expect(before.exists).toBe(false);
    await writeDaemonConfigFile(before, '{}\n');
    expect((await stat(path)).mode & 0o7777).toBe(0o644);
  });

  it('writes nothing when the file changed after it was read', async () => {
    const path = join(dir, 'daemon.json');
    await writeFile(path, '{"debug": true}\n');
    const before = await readDaemonConfigFile(path);
    await writeFile(path, '{"debug": false}\n');
    await expect(writeDaemonConfigFile(before, '{"live-restore": true}\n')).rejects.toMatchObject({ code: 'file-changed' });
    expect(await readFile(path, 'utf8')).toBe('{"debug": false}\n');
    expect(await readdir(dir)).toEqual(['daemon.json']);
  });

  it('never replaces a file that appeared after an absent one was read', async () => {
    const path = join(dir, 'daemon.json');
    const before = await readDaemonConfigFile(path);
    await writeFile(path, '{"debug": true}\n');
    await expect(writeDaemonConfigFile(before, '{}\n')).rejects.toMatchObject({ code: 'file-changed' });
    expect(await readFile(path, 'utf8')).toBe('{"debug": true}\n');
  });

  it('edits the target of a symlinked daemon.json and keeps the link', async () => {
    const target = join(dir, 'real.json');
    const link = join(dir, 'daemon.json');
    await writeFile(target, '{}\n');
    await symlink(target, link);
    await writeDaemonConfigFile(await readDaemonConfigFile(link), '{"live-restore": true}\n');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('{"live-restore": true}\n');
  });
});

describe('restoreDaemonConfigFile', () => {
  it('puts the old bytes and mode back', async () => {
    const path = join(dir, 'daemon.json');
    await writeFile(path, '{ "debug" : true }');
    await chmod(path, 0o600);
    const original = await readDaemonConfigFile(path);
    const written = Buffer.from('{ "debug" : true, "live-restore": true }');
    await writeDaemonConfigFile(original, written);
    await restoreDaemonConfigFile(original, written);
    expect(await readFile(path, 'utf8')).toBe('{ "debug" : true }');
    expect((await stat(path)).mode & 0o7777).toBe(0o600);
  });

  it('removes a file it had created, but only while it still holds what was written', async () => {
    const path = join(dir, 'daemon.json');
    const original = await readDaemonConfigFile(path);
    const written = Buffer.from('{\n  "live-restore": true\n}\n');
    await writeDaemonConfigFile(original, written);
    await writeFile(path, '{"debug": true}\n');
    await expect(restoreDaemonConfigFile(original, written)).rejects.toMatchObject({ code: 'file-changed' });
    await writeFile(path, written);
    await restoreDaemonConfigFile(original, written);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('daemon.json that is not a file', () => {
  it('a FIFO or a link to /dev/zero is refused at once, never read without end', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, symlinkSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const where = mkdtempSync(join(tmpdir(), 'ws-daemon-json-'));
    try {
      const fifo = join(where, 'fifo.json');
      execFileSync('mkfifo', [fifo]);
      await expect(readDaemonConfigFile(fifo)).rejects.toMatchObject({ code: 'daemon-json-not-file' });
      const zero = join(where, 'zero.json');
      symlinkSync('/dev/zero', zero);
      await expect(readDaemonConfigFile(zero)).rejects.toMatchObject({ code: 'daemon-json-not-file' });
    } finally {
      rmSync(where, { recursive: true, force: true });
    }
  });
});
