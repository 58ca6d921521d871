import { describe, expect, it } from 'vitest';
import { booleanFlag, findFlagFileConflicts, flagValues, parseDockerdCommandLine } from '../../../src/core/docker/dockerd-args.js';
import { servesEndpoint } from '../../../src/core/docker/dockerd-process.js';

const parse = (line: string) => parseDockerdCommandLine(line.split(' '));

describe('parseDockerdCommandLine', () => {
  it('reads long, short, bare boolean and = forms as pflag does', () => {
    const line = parse('/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock -D --live-restore --data-root /srv/docker -Hunix:///tmp/x.sock -s overlay2 --iptables=false');
    expect(flagValues(line, 'host')).toEqual(['fd://', 'unix:///tmp/x.sock']);
    expect(flagValues(line, 'containerd')).toEqual(['/run/containerd/containerd.sock']);
    expect(flagValues(line, 'data-root')).toEqual(['/srv/docker']);
    expect(flagValues(line, 'storage-driver')).toEqual(['overlay2']);
    expect(booleanFlag(line, 'debug')).toBe(true);
    expect(booleanFlag(line, 'live-restore')).toBe(true);
    expect(booleanFlag(line, 'iptables')).toBe(false);
    expect(booleanFlag(line, 'ipv6')).toBeUndefined();
  });

  it('does not take the next argument as the value of a boolean flag', () => {
    const line = parse('dockerd --live-restore --config-file /etc/docker/other.json');
    expect(booleanFlag(line, 'live-restore')).toBe(true);
    expect(flagValues(line, 'config-file')).toEqual(['/etc/docker/other.json']);
  });

  it('reads --live-restore=false as set to false', () => {
    expect(booleanFlag(parse('dockerd --live-restore=false'), 'live-restore')).toBe(false);
  });
});

describe('findFlagFileConflicts', () => {
  it('finds a directive set both as a flag and in the file', () => {
    const line = parse('dockerd --live-restore -H fd:// --label a=b');
    expect(findFlagFileConflicts(line, ['live-restore', 'debug'])).toEqual([
      { flag: '--live-restore', key: 'live-restore', flagValue: 'true' },
    ]);
  });

  it('compares list flags with their named key only (hosts, labels), as dockerd does', () => {
    const line = parse('dockerd -H fd:// --label a=b');
    expect(findFlagFileConflicts(line, ['hosts', 'labels']).map((c) => c.key)).toEqual(['hosts', 'labels']);
    // dockerd 20.10 starts with -H on the command line and "host" in the file.
    expect(findFlagFileConflicts(line, ['host', 'label'])).toEqual([]);
  });

  it('reports nothing when the flags and the file do not overlap', () => {
    expect(findFlagFileConflicts(parse('dockerd --data-root /srv'), ['live-restore'])).toEqual([]);
  });
});

describe('servesEndpoint', () => {
  const unix = (socketPath: string) => ({ kind: 'unix' as const, socketPath, url: `unix://${socketPath}` });
  it('matches -H entries, /var/run against /run, fd:// and no -H as the default socket', () => {
    expect(servesEndpoint(parse('dockerd -H unix:///tmp/a.sock'), unix('/tmp/a.sock'), '/var/run/docker.sock')).toBe(true);
    expect(servesEndpoint(parse('dockerd -H unix:///tmp/a.sock'), unix('/tmp/b.sock'), '/var/run/docker.sock')).toBe(false);
    expect(servesEndpoint(parse('dockerd'), unix('/run/docker.sock'), '/var/run/docker.sock')).toBe(true);
    expect(servesEndpoint(parse('dockerd -H fd://'), unix('/var/run/docker.sock'), '/var/run/docker.sock')).toBe(true);
  });

  it('matches TCP by port and address, 0.0.0.0 included', () => {
    const tcp = { kind: 'tcp' as const, host: '127.0.0.1', port: 2376, url: 'tcp://127.0.0.1:2376' };
    expect(servesEndpoint(parse('dockerd -H tcp://0.0.0.0:2376'), tcp, '/var/run/docker.sock')).toBe(true);
    expect(servesEndpoint(parse('dockerd -H tcp://127.0.0.1:2375'), tcp, '/var/run/docker.sock')).toBe(false);
  });
});
