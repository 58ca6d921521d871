import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbState } from '../../../../src/core/pg/server-files/control-file.js';
import { promoteLocal } from '../../../../src/tools/promote/local-promote.js';
import { inspectLocalStandby } from '../../../../src/tools/promote/local-standby.js';

/**
 * A data directory with a standby's pg_control (initdb's file with the state set to "in
 * archive recovery") and a postmaster.pid naming a child process. The child stands in for
 * a postmaster because what is tested cannot be provoked with a real server on demand: a
 * postmaster that dies between the signal and the end of promotion, and a stale PID file.
 * The real promotions are in test/integration/promote.
 */
const standbyControl = async (): Promise<Buffer> => {
  const bytes = await readFile(new URL('../../pg/server-files/fixtures/pg_control.16', import.meta.url));
  bytes.writeInt32LE(DbState.inArchiveRecovery, 16);
  bytes.writeUInt32LE(crc32c(bytes.subarray(0, 288)) >>> 0, 288);
  return bytes;
};

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('promoteLocal against a stand-in postmaster', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    dataDir = await realpath(await mkdtemp(join(tmpdir(), 'ws-promote-local-')));
    await writeFile(join(dataDir, 'PG_VERSION'), '16\n');
    await mkdir(join(dataDir, 'global'));
    await writeFile(join(dataDir, 'global', 'pg_control'), await standbyControl());
  });
  afterEach(async () => {
    if (child !== undefined) {
      child.kill('SIGKILL');
      await exited(child);
      child = undefined;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const startStandIn = async (cwd: string, script: string): Promise<number> => {
    child = spawn(process.execPath, ['-e', `${script}; process.stdout.write('ready'); setInterval(() => {}, 1000)`], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child?.stdout?.once('data', () => resolve()));
    const pid = child.pid ?? 0;
    await writeFile(join(dataDir, 'postmaster.pid'), `${pid}\n${dataDir}\n1732190000\n5432\n/tmp\n*\n0 0\nstandby \n`);
    return pid;
  };

  it('stops waiting when the postmaster dies, with pg_ctl\'s message', async () => {
    // Removes its PID file and exits on SIGUSR1, as a postmaster that crashed would leave it.
    await startStandIn(
      dataDir,
      "process.on('SIGUSR1', () => { require('fs').unlinkSync('postmaster.pid'); process.exit(1); })",
    );
    const standby = await inspectLocalStandby(dataDir);
    let waited = false;
    await expect(
      promoteLocal({ standby, wait: true, timeoutSeconds: 30, onWaitStart: () => (waited = true) }),
    ).rejects.toThrowError(expect.objectContaining({ message: 'server did not promote in time', hint: expect.stringMatching(/stopped/) }));
    expect(waited).toBe(true);
  });

  it('leaves nothing behind when the PID file is stale (no such process)', async () => {
    const pid = await startStandIn(dataDir, '');
    child?.kill('SIGKILL');
    if (child !== undefined) await exited(child);
    child = undefined;
    const before = (await readdir(dataDir)).sort();
    const standby = await inspectLocalStandby(dataDir);
    await expect(promoteLocal({ standby, wait: true, timeoutSeconds: 5 })).rejects.toThrowError(
      `could not send promote signal (PID: ${pid}): No such process`,
    );
    expect((await readdir(dataDir)).sort()).toEqual(before);
  });

  it('never signals a process that is not this directory\'s postmaster', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'ws-promote-other-'));
    try {
      await startStandIn(elsewhere, "process.on('SIGUSR1', () => process.exit(3))");
      const standby = await inspectLocalStandby(dataDir);
      await expect(promoteLocal({ standby, wait: false, timeoutSeconds: 5 })).rejects.toThrowError(
        expect.objectContaining({ code: 'postmaster-mismatch' }),
      );
      expect(existsSync(join(dataDir, 'promote'))).toBe(false);
      expect(child?.exitCode).toBeNull();
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses a single-user backend\'s lock file', async () => {
    await writeFile(join(dataDir, 'postmaster.pid'), `-${process.pid}\n${dataDir}\n`);
    await expect(inspectLocalStandby(dataDir)).rejects.toThrowError(
      `cannot promote server; single-user server is running (PID: ${process.pid})`,
    );
  });
});
