import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EngineClient } from '../../../src/core/docker/engine-client.js';
import { requireProgram } from './prerequisites.js';

const run = promisify(execFile);

export const BUSYBOX_IMAGE = 'ws-busybox:test';

/**
 * Builds a one-binary root file system (static busybox and its applet links) as a tar file:
 * no registry, no network.
 */
export async function buildBusyboxRootfs(dir: string): Promise<string> {
  const root = join(dir, 'rootfs');
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile(requireProgram('busybox'), join(root, 'bin', 'busybox'));
  for (const applet of ['sh', 'sleep', 'cat', 'echo', 'ls', 'true']) await symlink('busybox', join(root, 'bin', applet));
  const tarPath = join(dir, 'busybox-rootfs.tar');
  await run(requireProgram('tar'), ['-C', root, '-cf', tarPath, '.']);
  return tarPath;
}

/** POST /images/create?fromSrc=- (docker import) with the tar as body. */
export async function importBusyboxImage(client: EngineClient, tarPath: string, image = BUSYBOX_IMAGE): Promise<void> {
  const [repo, tag] = image.split(':');
  const response = await client.request('POST', '/images/create', {
    query: { fromSrc: '-', repo, tag },
    body: createReadStream(tarPath),
    contentType: 'application/x-tar',
    timeoutMs: 120_000,
  });
  const text = response.body.toString('utf8');
  if (response.statusCode !== 200 || text.includes('"error"')) throw new Error(`Cannot import the busybox image: ${response.statusCode} ${text}`);
}

export interface RunningContainer {
  readonly id: string;
  readonly name: string;
  /** The container's main process as the host sees it. */
  readonly pid: number;
}

/** Creates and starts a container without networking; StopTimeout 1 keeps stops quick. */
export async function runBusybox(client: EngineClient, name: string, cmd: readonly string[] = ['/bin/sleep', '100000']): Promise<RunningContainer> {
  const created = await client.json<{ Id: string }>('POST', '/containers/create', {
    query: { name },
    body: { Image: BUSYBOX_IMAGE, Cmd: cmd, StopTimeout: 1, HostConfig: { NetworkMode: 'none' } },
  });
  await client.json('POST', `/containers/${created.Id}/start`);
  const state = await containerState(client, created.Id);
  if (!state.Running || state.Pid <= 0) throw new Error(`container ${name} is not running: ${JSON.stringify(state)}`);
  return { id: created.Id, name, pid: state.Pid };
}

export interface ContainerState {
  readonly Status: string;
  readonly Running: boolean;
  readonly Pid: number;
}

export async function containerState(client: EngineClient, id: string): Promise<ContainerState> {
  const inspected = await client.getJson<{ State: ContainerState }>(`/containers/${id}/json`);
  return inspected.State;
}
