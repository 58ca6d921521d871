import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acknowledge, holdsLock, isAcknowledged, lockPath, readError, recordError, releaseLock, runningWorker, takeLock,
} from '../../../../src/core/archive/spool.js';

const spoolDir = (): string => mkdtempSync(join(tmpdir(), 'ws-spool-'));
/** A pid that certainly ran and ended: a child that has exited and been reaped. */
const deadPid = (): number => spawnSync('true').pid ?? 999_999;

describe('the --async spool', () => {
  it('acknowledges a name and forgets its old error', () => {
    const spool = spoolDir();
    expect(isAcknowledged(spool, 'A')).toBe(false);
    recordError(spool, 'A', 'Cannot archive "A":\n  no space');
    expect(readError(spool, 'A')).toBe('Cannot archive "A": no space');
    acknowledge(spool, 'A');
    expect(isAcknowledged(spool, 'A')).toBe(true);
    expect(readError(spool, 'A')).toBeUndefined();
  });

  it('gives the lock to one process, and takes over the lock of a dead one', () => {
    const spool = spoolDir();
    expect(takeLock(spool)).toBe(true);
    expect(holdsLock(spool)).toBe(true);
    expect(runningWorker(spool)).toBe(process.pid);
    // Our own live pid holds it: a second taker loses.
    expect(takeLock(spool)).toBe(false);
    releaseLock(spool);
    expect(existsSync(lockPath(spool))).toBe(false);

    writeFileSync(lockPath(spool), `${deadPid()}\n`);
    expect(runningWorker(spool)).toBeUndefined();
    expect(takeLock(spool)).toBe(true);
    expect(readFileSync(lockPath(spool), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('releases only a lock it holds', () => {
    const spool = spoolDir();
    writeFileSync(lockPath(spool), '1\n');
    releaseLock(spool);
    expect(readFileSync(lockPath(spool), 'utf8')).toBe('1\n');
    expect(holdsLock(spool)).toBe(false);
  });
});
