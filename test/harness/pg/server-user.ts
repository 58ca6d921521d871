import { spawnSync } from 'node:child_process';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** The system account that runs PostgreSQL when the tests run as root (created by the setup script). */
export const SERVER_USER_NAME = 'warmstandby-test';

export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** True when the tests run as root and servers run as the separate account above. */
  readonly separate: boolean;
}

let cached: ServerUser | undefined;

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Looks the account up; undefined when running as root and the account does not exist yet. */
export function findServerUser(): ServerUser | undefined {
  if (cached !== undefined) return cached;
  if (!isRoot()) {
    const me = userInfo();
    cached = { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, separate: false };
    return cached;
  }
  const entry = spawnSync('getent', ['passwd', SERVER_USER_NAME], { encoding: 'utf8' });
  const fields = entry.status === 0 ? entry.stdout.trim().split(':') : [];
  if (fields.length < 7) return undefined;
  cached = { name: SERVER_USER_NAME, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '/', separate: true };
  return cached;
}

/** The account PostgreSQL runs as; throws with the fix when it is missing. */
export function serverUser(): ServerUser {
  const user = findServerUser();
  if (user === undefined) {
    throw new Error(`Cannot find the test account ${SERVER_USER_NAME}: run node scripts/setup-test-env.mjs as root`);
  }
  return user;
}

/** spawn() identity options that make a child run as the server user (empty when not root). */
export function serverUserSpawnOptions(): { uid?: number; gid?: number; home?: string } {
  const user = serverUser();
  return user.separate ? { uid: user.uid, gid: user.gid, home: user.home } : {};
}

/**
 * Gives a file or a whole tree to the server user, e.g. a standby data directory or an archive
 * the tests wrote as root and PostgreSQL must read or write. No-op when not root.
 */
export async function chownToServerUser(path: string): Promise<void> {
  const user = serverUser();
  if (!user.separate) return;
  const walk = async (p: string): Promise<void> => {
    const info = await lstat(p);
    await lchown(p, user.uid, user.gid);
    if (info.isDirectory()) {
      for (const name of await readdir(p)) await walk(join(p, name));
    }
  };
  await walk(path);
}
