import { describe, expect, it } from 'vitest';
import { analyzeDaemonConfig } from '../../../src/core/docker/daemon-json/daemon-config.js';
import { SYSTEM_DEFAULTS } from '../../../src/core/docker/defaults.js';
import { parseDockerdCommandLine } from '../../../src/core/docker/dockerd-args.js';
import type { DockerInfo } from '../../../src/core/docker/engine-api.js';
import { EngineClient } from '../../../src/core/docker/engine-client.js';
import type { DaemonState } from '../../../src/tools/live-restore/daemon-state.js';
import { computeFindings } from '../../../src/tools/live-restore/findings.js';

const endpoint = { kind: 'unix' as const, socketPath: '/run/docker.sock', url: 'unix:///run/docker.sock' };

interface Scenario {
  readonly file?: string | null;
  readonly info?: Partial<DockerInfo>;
  readonly argv?: string;
  readonly extra?: Partial<DaemonState>;
}

/** A DaemonState as gatherDaemonState would build it for the given file, /info and argv. */
const state = ({ file = '{}', info = {}, argv = 'dockerd -H fd://', extra = {} }: Scenario): DaemonState => {
  const commandLine = parseDockerdCommandLine(argv.split(' '));
  const liveFlag = commandLine.flags.find((f) => f.name === 'live-restore');
  return {
    defaults: SYSTEM_DEFAULTS,
    endpoint,
    client: new EngineClient(endpoint),
    info: { ServerVersion: '20.10.24', OSType: 'linux', Driver: 'overlay2', DockerRootDir: '/var/lib/docker', LiveRestoreEnabled: false, Swarm: { LocalNodeState: 'inactive' }, ...info },
    dockerd: { pid: 100, commandLine, exe: '/usr/sbin/dockerd', cwd: '/', foundBy: 'pidfile' },
    dockerdNotes: [],
    ...(liveFlag === undefined ? {} : { flagLiveRestore: liveFlag.value === true || liveFlag.value === 'true' }),
    configFile: { path: '/etc/docker/daemon.json', source: 'default' },
    analysis: analyzeDaemonConfig(file === null ? { exists: false, bytes: Buffer.alloc(0) } : { exists: true, bytes: Buffer.from(file) }, { major: 20, minor: 10 }),
    ...extra,
  };
};

const ids = (s: Scenario, context = {}): string[] => computeFindings(state(s), context).map((f) => f.id);

describe('computeFindings', () => {
  it('is clean when live restore is on in the file and the daemon, with nothing else wrong', () => {
    expect(ids({ file: '{"live-restore": true}', info: { LiveRestoreEnabled: true } })).toEqual([]);
  });

  it('reports live restore off', () => {
    expect(ids({ file: null })).toEqual(['live-restore-off']);
  });

  it('reports a swarm node with live restore on in the file or in the daemon', () => {
    const swarm = { Swarm: { LocalNodeState: 'active' } };
    expect(ids({ file: '{"live-restore": true}', info: { ...swarm, LiveRestoreEnabled: false } })).toContain('swarm-live-restore');
    expect(ids({ file: '{}', info: { ...swarm, LiveRestoreEnabled: true } })).toContain('swarm-live-restore');
    // Off everywhere on a swarm node is the safe state: nothing to report.
    expect(ids({ file: '{"live-restore": false}', info: swarm })).toEqual([]);
  });

  it('reports the flag, and the flag and the key together as a start failure', () => {
    expect(ids({ argv: 'dockerd --live-restore', info: { LiveRestoreEnabled: true } })).toEqual(['live-restore-flag']);
    const both = computeFindings(state({ argv: 'dockerd --live-restore', file: '{"live-restore": true}', info: { LiveRestoreEnabled: true } }));
    expect(both.map((f) => f.id)).toEqual(['flag-and-file']);
    expect(both[0]?.message).toMatch(/will not start/);
  });

  it('reports a pending reload and a value the next start would lose', () => {
    expect(ids({ file: '{"live-restore": false}', info: { LiveRestoreEnabled: true } })).toEqual(['reload-pending']);
    expect(ids({ file: '{"live-restore": true}', info: { LiveRestoreEnabled: false } })).toEqual(['reload-pending']);
    expect(ids({ file: '{}', info: { LiveRestoreEnabled: true } })).toEqual(['off-after-restart']);
  });

  it('reports an invalid file with its line and column', () => {
    const [finding] = computeFindings(state({ file: '{\n  "live-restore": true,\n}' }));
    expect(finding).toMatchObject({ id: 'config-invalid', severity: 'error' });
    expect(finding?.message).toContain('/etc/docker/daemon.json:3:1');
  });

  it('reports KillMode other than process', () => {
    const systemd = (killModeText: string, killMode?: 'control-group' | 'mixed' | 'process' | 'none') => ({
      systemd: { unit: 'docker.service', user: false, mainPid: 100, killModeText, killMode, activeState: 'active' },
    });
    const on = { file: '{"live-restore": true}', info: { LiveRestoreEnabled: true } };
    expect(computeFindings(state({ ...on, extra: systemd('control-group', 'control-group') }))).toMatchObject([{ id: 'kill-mode', severity: 'error' }]);
    expect(computeFindings(state({ ...on, extra: systemd('mixed', 'mixed') }))).toMatchObject([{ id: 'kill-mode', severity: 'error' }]);
    expect(computeFindings(state({ ...on, extra: systemd('none', 'none') }))).toMatchObject([{ id: 'kill-mode', severity: 'warning' }]);
    expect(ids({ ...on, extra: systemd('process', 'process') })).toEqual([]);
  });

  it('reports a containerd managed by dockerd', () => {
    const on = { file: '{"live-restore": true}', info: { LiveRestoreEnabled: true } };
    expect(ids({ ...on, extra: { managedContainerd: { pid: 101, comm: 'containerd', state: 'S', ppid: 100 } } })).toEqual(['managed-containerd']);
  });

  it('applies the MAJOR.MINOR rule to the installed dockerd and to --target-version', () => {
    const on = { file: '{"live-restore": true}', info: { LiveRestoreEnabled: true, ServerVersion: '20.10.24' } };
    const installed = (version: string) => ({ installed: { path: '/usr/bin/dockerd', version, replacedOnDisk: true } });
    expect(ids({ ...on, extra: installed('23.0.6') })).toEqual(['installed-version']);
    expect(ids({ ...on, extra: installed('20.10.25') })).toEqual([]);
    expect(ids(on, { targetVersion: '24.0.0' })).toEqual(['target-version']);
    expect(ids(on, { targetVersion: '20.10.26' })).toEqual([]);
  });

  it('reports a storage driver or data root in the file that differs from the running daemon', () => {
    const info = { LiveRestoreEnabled: true, Driver: 'overlay2', DockerRootDir: '/var/lib/docker' };
    expect(ids({ file: '{"live-restore": true, "storage-driver": "vfs"}', info })).toEqual(['storage-driver-differs']);
    expect(ids({ file: '{"live-restore": true, "data-root": "/srv/docker"}', info })).toEqual(['data-root-differs']);
    expect(ids({ file: '{"live-restore": true, "data-root": "/var/lib/docker/"}', info })).toEqual([]);
    // With userns-remap the daemon reports <data-root>/<uid>.<gid>.
    const remapped = { ...info, DockerRootDir: '/srv/docker/100000.100000' };
    expect(ids({ file: '{"live-restore": true, "data-root": "/srv/docker", "userns-remap": "default"}', info: remapped })).toEqual([]);
  });

  it('reports Windows', () => {
    expect(ids({ file: '{}', info: { OSType: 'windows' } })).toEqual(['windows']);
  });

  it('reports a config file dockerd does not read', () => {
    const extra = { configFile: { path: '/tmp/other.json', source: 'option' as const, dockerdReads: '/etc/docker/daemon.json' } };
    expect(ids({ file: '{"live-restore": true}', info: { LiveRestoreEnabled: true }, extra })).toEqual(['config-file-mismatch']);
  });
});
