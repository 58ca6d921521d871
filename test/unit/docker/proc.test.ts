import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listProcesses, parseProcStat, processAlive, readCmdline, readStat } from '../../../src/core/docker/proc.js';

describe('/proc readers', () => {
  it('parses a stat line whose comm holds spaces and parentheses', () => {
    expect(parseProcStat('4242 (my (odd) name) S 17 4242 4242 0 -1 4194560')).toEqual({ pid: 4242, comm: 'my (odd) name', state: 'S', ppid: 17 });
  });

  it('reads a child process: argv, comm, parent, and sees it gone once it exits', async () => {
    const child = spawn('sleep', ['30', '1'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid as number;
    expect(await readCmdline(pid)).toEqual(['sleep', '30', '1']);
    expect(await readStat(pid)).toMatchObject({ pid, comm: 'sleep', ppid: process.pid });
    expect((await listProcesses()).some((p) => p.pid === pid)).toBe(true);
    expect(await processAlive(pid)).toBe(true);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(await processAlive(pid)).toBe(false);
  });
});
