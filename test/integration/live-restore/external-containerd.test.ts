import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineClient } from '../../../src/core/docker/engine-client.js';
import { listRunningContainers } from '../../../src/core/docker/engine-api.js';
import { listProcesses, processAlive, readCmdline } from '../../../src/core/docker/proc.js';
import { buildBusyboxRootfs, importBusyboxImage, runBusybox } from '../../harness/docker/busybox.js';
import { describeWithDocker } from '../../harness/docker/describe-with-docker.js';
import { PrivateDockerd, sleep } from '../../harness/docker/private-dockerd.js';
import { jsonOf, liveRestore } from './cli-runner.js';

// dockerd on a containerd it did not start (--containerd), as with a system containerd
// service: the setup check calls clean, and the one where containerd keeps running while
// dockerd is down.
describeWithDocker('live-restore with an external containerd', () => {
  let daemon: PrivateDockerd;
  let client: EngineClient;
  const withHost = (...args: string[]): string[] => [...args, '-H', daemon.host];

  beforeAll(async () => {
    daemon = await PrivateDockerd.create({ containerd: 'external' });
    await daemon.start();
    client = await daemon.client();
    await importBusyboxImage(client, await buildBusyboxRootfs(daemon.dir));
  });

  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('status sees no dockerd-managed containerd; after enable, check is clean and exits 0', async () => {
    const status = jsonOf(await liveRestore(withHost('status', '--json')));
    expect(status).toMatchObject({ containerd: { managedByDockerd: false }, runningValue: false });
    expect((await liveRestore(withHost('enable'))).status).toBe(0);
    const check = await liveRestore(withHost('check', '--json'));
    expect(jsonOf(check)).toMatchObject({ clean: true, findings: [] });
    expect(check.status).toBe(0);
    const text = await liveRestore(withHost('check'));
    expect(text.stdout).toMatch(/^no findings/);
  });

  it('containerd and the container keep running while dockerd is down', async () => {
    const container = await runBusybox(client, 'external');
    // The container's parent is a shim attached to the external containerd.
    const processes = await listProcesses();
    const parent = processes.find((p) => p.pid === processes.find((c) => c.pid === container.pid)?.ppid);
    expect(parent?.comm).toMatch(/^containerd-shim/);
    expect((await readCmdline(parent?.pid ?? 0))?.join(' ')).toContain(`-address ${daemon.containerdSocket ?? ''}`);
    await daemon.stop();
    await sleep(1000);
    expect(await processAlive(container.pid)).toBe(true);
    expect(await processAlive(daemon.containerdPid ?? 0)).toBe(true);
    await daemon.start();
    client = await daemon.client();
    expect((await listRunningContainers(client)).map((c) => c.Id)).toContain(container.id);
  });
});
