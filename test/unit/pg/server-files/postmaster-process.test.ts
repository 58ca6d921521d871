import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  processExists,
  signalPostmaster,
  verifyPostmaster,
} from '../../../../src/core/pg/server-files/postmaster-process.js';

/**
 * Real processes stand in for a postmaster here: what is checked is only the PID, the
 * working directory and the delivery of SIGUSR1, which any process has.
 */
const spawnIn = (cwd: string, script = 'setInterval(() => {}, 1000)'): ChildProcess =>
  spawn(process.execPath, ['-e', script], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('postmaster process checks', () => {
  let dataDir: string;
  let otherDir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    dataDir = await realpath(await mkdtemp(join(tmpdir(), 'ws-pm-data-')));
    otherDir = await realpath(await mkdtemp(join(tmpdir(), 'ws-pm-other-')));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(otherDir, { recursive: true, force: true });
  });

  it('accepts a live process whose working directory is the data directory', async () => {
    const child = spawnIn(dataDir);
    children.push(child);
    await expect(verifyPostmaster(child.pid ?? 0, dataDir, 'pidfile')).resolves.toBeUndefined();
    expect(processExists(child.pid ?? 0)).toBe(true);
  });

  it('refuses a live process that works elsewhere (a reused PID)', async () => {
    const child = spawnIn(otherDir);
    children.push(child);
    await expect(verifyPostmaster(child.pid ?? 0, dataDir, 'pidfile')).rejects.toThrowError(
      expect.objectContaining({ code: 'postmaster-mismatch' }),
    );
  });

  it('reports a PID with no process as pg_ctl would, before anything is written', async () => {
    const child = spawnIn(dataDir);
    const pid = child.pid ?? 0;
    child.kill('SIGKILL');
    await exited(child);
    expect(processExists(pid)).toBe(false);
    await expect(verifyPostmaster(pid, dataDir, 'pidfile')).rejects.toThrowError(
      `could not send promote signal (PID: ${pid}): No such process`,
    );
  });

  it('delivers SIGUSR1', async () => {
    const child = spawnIn(
      dataDir,
      "process.on('SIGUSR1', () => { process.stdout.write('usr1'); process.exit(0); }); process.stdout.write('ready'); setInterval(() => {}, 1000)",
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    while (!output.includes('ready')) await new Promise((r) => setTimeout(r, 10));
    signalPostmaster(child.pid ?? 0, 'pidfile');
    await exited(child);
    expect(output).toBe('readyusr1');
    expect(child.exitCode).toBe(0);
  });
});
