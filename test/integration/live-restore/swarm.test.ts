import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineClient } from '../../../src/core/docker/engine-client.js';
import { getInfo, swarmState } from '../../../src/core/docker/engine-api.js';
import { describeWithDocker } from '../../harness/docker/describe-with-docker.js';
import { PrivateDockerd, sleep } from '../../harness/docker/private-dockerd.js';
import { findingIds, jsonOf, liveRestore } from './cli-runner.js';

// Swarm mode for real on a private dockerd (POST /swarm/init, advertising 127.0.0.1). A
// SIGHUP reload accepts live restore on a swarm node, and the next dockerd start dies.
describeWithDocker('live-restore on a swarm node', () => {
  let daemon: PrivateDockerd;
  let client: EngineClient;
  let original: string;

  const withHost = (...args: string[]): string[] => [...args, '-H', daemon.host, '--config-file', daemon.configFile];

  beforeAll(async () => {
    daemon = await PrivateDockerd.create();
    original = await readFile(daemon.configFile, 'utf8');
    await daemon.start();
    client = await daemon.client();
    await client.json('POST', '/swarm/init', { body: { ListenAddr: '127.0.0.1:0', AdvertiseAddr: '127.0.0.1' }, timeoutMs: 60_000 });
    expect(swarmState(await getInfo(client))).toBe('active');
  });

  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('enable refuses on a swarm node and leaves the file alone', async () => {
    const outcome = await liveRestore(withHost('enable', '--json'));
    expect(outcome.status).toBe(1);
    expect(jsonOf(outcome)).toMatchObject({ ok: false, error: { code: 'swarm-active' } });
    expect(outcome.stderr).toContain('incompatible with swarm mode');
    expect(await readFile(daemon.configFile, 'utf8')).toBe(original);
    expect((await getInfo(client)).LiveRestoreEnabled).toBe(false);
  });

  it('check finds nothing wrong with a swarm node that keeps live restore off', async () => {
    expect(findingIds(await liveRestore(withHost('check', '--json')))).toEqual(['managed-containerd']);
  });

  it('check reports a swarm node with live restore on in the file, then in the running daemon', async () => {
    await writeFile(daemon.configFile, original.replace(/\n}\n$/, ',\n  "live-restore": true\n}\n'));
    const inFile = await liveRestore(withHost('check', '--json'));
    expect(inFile.status).toBe(1);
    const finding = jsonOf<{ findings: { id: string; message: string }[] }>(inFile).findings.find((f) => f.id === 'swarm-live-restore');
    expect(finding?.message).toContain('on in the file:');
    // Our reload refuses to apply it...
    const reload = await liveRestore(withHost('reload'));
    expect(reload.status).toBe(1);
    expect(reload.stderr).toContain('swarm mode');
    expect((await getInfo(client)).LiveRestoreEnabled).toBe(false);
    // ...but dockerd itself accepts it on SIGHUP.
    process.kill(daemon.pid as number, 'SIGHUP');
    for (let i = 0; i < 50 && (await getInfo(client)).LiveRestoreEnabled !== true; i += 1) await sleep(100);
    expect((await getInfo(client)).LiveRestoreEnabled).toBe(true);
    const running = jsonOf<{ findings: { id: string; message: string }[] }>(await liveRestore(withHost('check', '--json')));
    expect(running.findings.find((f) => f.id === 'swarm-live-restore')?.message).toContain('the file and the running daemon');
  });

  it('the next dockerd start fails, as check warned; disable (dockerd down) repairs the file', async () => {
    await daemon.stop();
    const { code, log } = await daemon.startExpectingExit();
    expect(code).not.toBe(0);
    expect(log).toContain('Error starting cluster component: --live-restore daemon configuration is incompatible with swarm mode');

    const down = await liveRestore(withHost('disable', '--json'));
    expect(down.status, down.stderr).toBe(0);
    expect(jsonOf(down)).toMatchObject({ outcome: 'written', daemonDown: true, fileBefore: true });
    expect(await readFile(daemon.configFile, 'utf8')).toContain('"live-restore": false\n');

    await daemon.start();
    client = await daemon.client();
    const info = await getInfo(client);
    expect([swarmState(info), info.LiveRestoreEnabled]).toEqual(['active', false]);
  });
});
