import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forget, registerTempDir } from './leftovers.js';
import { serverUser } from './server-user.js';

const handles = new Map<string, string>();

/**
 * A fresh private directory (mode 0700) under the system temp dir, owned by the server user so
 * PostgreSQL can write into it (archives, data directories). Removed when the test process
 * ends, or by the next run if it crashed, unless WS_KEEP_TEST_DIRS=1. The prefix should start
 * with "ws-": only such directories are ever removed automatically.
 */
export function makeTempDir(prefix = 'ws-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const user = serverUser();
  if (user.separate) chownSync(dir, user.uid, user.gid);
  handles.set(dir, registerTempDir(dir));
  return dir;
}

/** Removes a directory made by makeTempDir now (honouring WS_KEEP_TEST_DIRS). */
export function removeTempDir(dir: string): void {
  if (process.env['WS_KEEP_TEST_DIRS'] !== '1') rmSync(dir, { recursive: true, force: true });
  const handle = handles.get(dir);
  if (handle !== undefined) forget(handle);
  handles.delete(dir);
}
