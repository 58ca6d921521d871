import { readFileSync } from 'node:fs';
import { errnoOf } from './fs-error.js';

/**
 * Whether process `pid` runs: kill(pid, 0) (EPERM means it runs under another user), and on
 * Linux not a zombie. A detached process killed with -9 stays a zombie for as long as nobody
 * reaps it (in a container without an init that can be forever), and kill(pid, 0) succeeds
 * on zombies.
 */
export const processIsAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return errnoOf(error) !== 'ESRCH';
  }
  try {
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc to ask: kill(pid, 0) said it runs
  }
};
