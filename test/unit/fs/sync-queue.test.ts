import { fstatSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSystemError } from '../../../src/core/errors.js';
import { SyncQueue } from '../../../src/core/fs/sync-queue.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-sync-queue-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const written = (name: string, bytes: number): { fd: number; path: string } => {
  const path = join(dir, name);
  const fd = openSync(path, 'wx', 0o600);
  writeSync(fd, Buffer.alloc(bytes, 1));
  return { fd, path };
};

const isOpen = (fd: number): boolean => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

describe('SyncQueue', () => {
  it('closes a small file at once and syncs it by its path at drain()', async () => {
    const queue = new SyncQueue(true);
    const { fd, path } = written('small', 100);
    await queue.add(fd, path, 100);
    expect(isOpen(fd)).toBe(false);
    // drain() opens the file again by its path: a file gone by then is a failure, not a
    // silently skipped sync.
    await unlink(path);
    const failure = await queue.drain().then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(FileSystemError);
    expect((failure as Error).message).toContain(path);
  });

  it('syncs small files at drain() without a failure when they are all there', async () => {
    const queue = new SyncQueue(true);
    for (let i = 0; i < 40; i += 1) {
      const { fd, path } = written(`f${i}`, 10);
      await queue.add(fd, path, 10);
    }
    await expect(queue.drain()).resolves.toBeUndefined();
  });

  it('syncs a large file as it is handed over and closes it before drain() returns', async () => {
    const queue = new SyncQueue(true);
    const size = 2 * 1024 * 1024;
    const { fd, path } = written('large', size);
    await queue.add(fd, path, size);
    await unlink(path); // synced through its descriptor, not by path: nothing to reopen
    await expect(queue.drain()).resolves.toBeUndefined();
    expect(isOpen(fd)).toBe(false);
  });

  it('without sync (-N) only closes, and drain() opens nothing', async () => {
    const queue = new SyncQueue(false);
    const { fd, path } = written('nosync', 100);
    await queue.add(fd, path, 100);
    expect(isOpen(fd)).toBe(false);
    await unlink(path);
    await expect(queue.drain()).resolves.toBeUndefined();
  });

  it('abandon() forgets the files left to sync', async () => {
    const queue = new SyncQueue(true);
    const { fd, path } = written('abandoned', 100);
    await queue.add(fd, path, 100);
    await unlink(path);
    await queue.abandon();
    await expect(queue.drain()).resolves.toBeUndefined();
  });
});
