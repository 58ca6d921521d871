import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../../src/core/docker/run-command.js';
import { findSystemdService, parseKillMode, parseSystemctlShow, serviceOfCgroup } from '../../../src/core/docker/systemd.js';

describe('systemd parsing', () => {
  it('reads systemctl show output', () => {
    expect(parseSystemctlShow('MainPID=1234\nKillMode=process\nActiveState=active\nExecReload={ path=/bin/kill ; argv[]=/bin/kill -s HUP $MAINPID }\n')).toEqual({
      MainPID: '1234',
      KillMode: 'process',
      ActiveState: 'active',
      ExecReload: '{ path=/bin/kill ; argv[]=/bin/kill -s HUP $MAINPID }',
    });
  });

  it.each([
    ['process', 'process'],
    ['control-group\n', 'control-group'],
    ['mixed', 'mixed'],
    ['none', 'none'],
    ['', undefined],
    ['group', undefined],
  ])('parses KillMode=%j', (text, expected) => {
    expect(parseKillMode(text)).toBe(expected);
  });

  it('finds the service of a process in cgroup v1 and v2 files', () => {
    expect(serviceOfCgroup('12:pids:/system.slice/docker.service\n1:name=systemd:/system.slice/docker.service\n')).toBe('docker.service');
    expect(serviceOfCgroup('0::/system.slice/snap.docker.dockerd.service\n')).toBe('snap.docker.dockerd.service');
    expect(serviceOfCgroup('0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker.service\n')).toBe('docker.service');
    expect(serviceOfCgroup('0::/\n')).toBeUndefined();
  });
});

// systemd is not the init system on the test machines, so `systemctl` is replaced by a
// function returning what systemd 252 prints; everything around it is the real code.
describe('findSystemdService', () => {
  const systemctl = (output: string, seen: string[][] = []): CommandRunner => async (file, args) => {
    seen.push([file, ...args]);
    return { status: 0, stdout: output, stderr: '' };
  };

  it('returns the unit when its MainPID is this dockerd', async () => {
    const seen: string[][] = [];
    const service = await findSystemdService(process.pid, {
      user: false,
      systemdBooted: true,
      run: systemctl(`MainPID=${process.pid}\nKillMode=control-group\nActiveState=active\n`, seen),
    });
    expect(service).toMatchObject({ mainPid: process.pid, killMode: 'control-group', activeState: 'active' });
    expect(seen[0]?.slice(0, 2)).toEqual(['systemctl', 'show']);
    expect(seen[0]?.slice(-2)).toEqual(['-p', 'MainPID,KillMode,ActiveState']);
  });

  it('returns nothing when the unit runs another process, or systemd is not init', async () => {
    const other = systemctl('MainPID=1\nKillMode=process\nActiveState=active\n');
    expect(await findSystemdService(process.pid, { user: false, systemdBooted: true, run: other })).toBeUndefined();
    expect(await findSystemdService(process.pid, { user: false, systemdBooted: false, run: other })).toBeUndefined();
  });

  it('asks the user manager for rootless Docker', async () => {
    const seen: string[][] = [];
    await findSystemdService(process.pid, { user: true, systemdBooted: true, run: systemctl('MainPID=0\n', seen) });
    expect(seen[0]?.[1]).toBe('--user');
  });
});
