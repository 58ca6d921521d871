import { chmod, chown, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineClient } from '../../../src/core/docker/engine-client.js';
import { getInfo, listRunningContainers } from '../../../src/core/docker/engine-api.js';
import { processAlive } from '../../../src/core/docker/proc.js';
import { buildBusyboxRootfs, containerState, importBusyboxImage, runBusybox } from '../../harness/docker/busybox.js';
import { describeWithDocker } from '../../harness/docker/describe-with-docker.js';
import { PrivateDockerd, sleep } from '../../harness/docker/private-dockerd.js';
import { findingIds, jsonOf, liveRestore } from './cli-runner.js';

// One private dockerd, started without live restore, walks through the whole life cycle:
// enable, survive a dockerd stop and start, a hand edit, disable, and containers stopping again.
describeWithDocker('live-restore enable/disable on a real dockerd', () => {
  let daemon: PrivateDockerd;
  let client: EngineClient;
  let original: string;
  const NOBODY_GROUP = 65534;

  const withHost = (...args: string[]): string[] => [...args, '-H', daemon.host];
  const fileBytes = (): Promise<Buffer> => readFile(daemon.configFile);
  const running = async (): Promise<boolean | undefined> => (await getInfo(client)).LiveRestoreEnabled;

  beforeAll(async () => {
    daemon = await PrivateDockerd.create({ config: null });
    // A hand-made file: four-space indent, several keys, group-readable by a non-root group.
    original = [
      '{',
      '    "deprecated-key-path": ' + JSON.stringify(join(daemon.dir, 'key.json')) + ',',
      '    "log-level": "info",',
      '    "log-opts": {',
      '        "max-size": "10m"',
      '    },',
      '    "max-concurrent-downloads": 3',
      '}',
      '',
    ].join('\n');
    await writeFile(daemon.configFile, original);
    await chown(daemon.configFile, 0, NOBODY_GROUP);
    await chmod(daemon.configFile, 0o640);
    await daemon.start();
    client = await daemon.client();
    await importBusyboxImage(client, await buildBusyboxRootfs(daemon.dir));
  });

  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('status finds dockerd, its config file and its containerd from /proc', async () => {
    const outcome = await liveRestore(withHost('status', '--json'));
    expect(outcome.status, outcome.stderr).toBe(0);
    const report = jsonOf(outcome);
    expect(report).toMatchObject({
      reachable: true,
      apiVersion: '1.41',
      configFile: { path: daemon.configFile, source: 'dockerd', exists: true },
      fileValue: null,
      runningValue: false,
      commandLineFlag: null,
      dockerd: { pid: daemon.pid, foundBy: 'process-scan' },
      swarm: 'inactive',
      storageDriver: 'vfs',
      dataRoot: daemon.dataRoot,
      containerd: { managedByDockerd: true },
      systemd: null,
    });
    const table = await liveRestore(withHost('status'));
    expect(table.stdout).toMatch(/Running daemon\s+off/);
    expect(table.stdout).toMatch(/64 KiB/);
  });

  it('check reports live restore off and the dockerd-managed containerd', async () => {
    const outcome = await liveRestore(withHost('check', '--json'));
    expect(outcome.status).toBe(1);
    expect(findingIds(outcome).sort()).toEqual(['live-restore-off', 'managed-containerd']);
  });

  it('enable refuses an invalid daemon.json, names the line and column, and leaves its bytes alone', async () => {
    const broken = original.replace('"max-size": "10m"\n    },', '"max-size": "10m"\n    }');
    await writeFile(daemon.configFile, broken);
    const before = await fileBytes();
    const outcome = await liveRestore(withHost('enable'));
    expect(outcome.status).toBe(1);
    expect(outcome.stderr).toContain(`${daemon.configFile}: line 7, column 5: invalid JSON`);
    expect((await fileBytes()).equals(before)).toBe(true);
    expect(await running()).toBe(false);

    await writeFile(daemon.configFile, original.replace('"log-level"', '"log-levels"'));
    const unknown = await liveRestore(withHost('enable', '--json'));
    expect(unknown.status).toBe(1);
    expect(jsonOf(unknown)).toMatchObject({ ok: false, error: { code: 'unknown-key', message: expect.stringContaining('line 3, column 5') } });
    await writeFile(daemon.configFile, original);
  });

  it('enable --dry-run shows the diff and changes nothing', async () => {
    const outcome = await liveRestore(withHost('enable', '--dry-run'));
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain('+    "max-concurrent-downloads": 3,\n+    "live-restore": true');
    expect(await readFile(daemon.configFile, 'utf8')).toBe(original);
    expect(await running()).toBe(false);
  });

  it('enable turns it on in the running daemon and in the file, keeping the rest of the file', async () => {
    const inodeBefore = (await stat(daemon.configFile)).ino;
    const outcome = await liveRestore(withHost('enable', '--json'));
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(jsonOf(outcome)).toMatchObject({ outcome: 'applied', fileBefore: null, runningBefore: false, reload: { reloaded: true, running: true } });
    expect(await running()).toBe(true);
    const expected = original.replace('"max-concurrent-downloads": 3\n', '"max-concurrent-downloads": 3,\n    "live-restore": true\n');
    expect(await readFile(daemon.configFile, 'utf8')).toBe(expected);
    const after = await stat(daemon.configFile);
    expect([after.mode & 0o7777, after.uid, after.gid]).toEqual([0o640, 0, NOBODY_GROUP]);
    expect(after.ino).not.toBe(inodeBefore);
    const again = await liveRestore(withHost('enable'));
    expect(again.stdout).toContain('already on');
  });

  it('a busybox container keeps running while dockerd is stopped and is still listed after it starts', async () => {
    const container = await runBusybox(client, 'survivor');
    await daemon.stop('SIGTERM');
    expect(daemon.running).toBe(false);
    await sleep(1000);
    expect(await processAlive(container.pid)).toBe(true);
    await daemon.start();
    client = await daemon.client();
    const listed = await listRunningContainers(client);
    expect(listed.map((c) => c.Id)).toContain(container.id);
    expect(await containerState(client, container.id)).toMatchObject({ Running: true, Pid: container.pid });
    expect(await processAlive(container.pid)).toBe(true);
  });

  it('check reports a reload pending after a hand edit of the file', async () => {
    const enabled = await readFile(daemon.configFile, 'utf8');
    await writeFile(daemon.configFile, enabled.replace('"live-restore": true', '"live-restore": false'));
    const outcome = await liveRestore(withHost('check', '--json'));
    expect(outcome.status).toBe(1);
    expect(findingIds(outcome)).toContain('reload-pending');
    await writeFile(daemon.configFile, enabled);
    expect(findingIds(await liveRestore(withHost('check', '--json')))).toEqual(['managed-containerd']);
  });

  it('puts the file back when dockerd rejects the reload', async () => {
    const enabled = await readFile(daemon.configFile, 'utf8');
    // dockerd parses value types only when it loads the file: this one fails the reload.
    const rejected = enabled.replace('"max-concurrent-downloads": 3', '"max-concurrent-downloads": "three"');
    await writeFile(daemon.configFile, rejected);
    const outcome = await liveRestore(withHost('disable', '--timeout', '3'));
    expect(outcome.status).toBe(1);
    expect(outcome.stderr).toContain('reported no reload within 3 s');
    expect(outcome.stderr).toContain('was put back as it was');
    expect(await readFile(daemon.configFile, 'utf8')).toBe(rejected);
    expect(await running()).toBe(true);
    await writeFile(daemon.configFile, enabled);
  });

  it('disable turns it off, and then stopping dockerd stops the container', async () => {
    const [survivor] = await listRunningContainers(client);
    if (survivor === undefined) throw new Error('the container from the survival test is gone');
    const { Pid: pid } = await containerState(client, survivor.Id);
    const outcome = await liveRestore(withHost('disable', '--json'));
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(jsonOf(outcome)).toMatchObject({ outcome: 'applied', fileBefore: true, reload: { running: false } });
    expect(await running()).toBe(false);
    expect(await readFile(daemon.configFile, 'utf8')).toContain('"live-restore": false\n');
    await daemon.stop('SIGTERM');
    expect(await processAlive(pid)).toBe(false);
    await daemon.start();
    client = await daemon.client();
    expect(await listRunningContainers(client)).toEqual([]);
    expect(await containerState(client, survivor.Id)).toMatchObject({ Running: false });
  });
});
