import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerDefaults } from '../../../src/core/docker/defaults.js';
import { parseDockerHost, resolveDockerEndpoint } from '../../../src/core/docker/endpoint.js';

describe('parseDockerHost', () => {
  it.each([
    ['unix:///var/run/docker.sock', { kind: 'unix', socketPath: '/var/run/docker.sock' }],
    ['/run/user/1000/docker.sock', { kind: 'unix', socketPath: '/run/user/1000/docker.sock' }],
    ['tcp://10.0.0.5:2376', { kind: 'tcp', host: '10.0.0.5', port: 2376 }],
    ['tcp://docker.example', { kind: 'tcp', host: 'docker.example', port: 2375 }],
    ['tcp://[::1]:2375', { kind: 'tcp', host: '::1', port: 2375 }],
    ['localhost:2375', { kind: 'tcp', host: 'localhost', port: 2375 }],
  ])('reads %s', (text, expected) => {
    expect(parseDockerHost(text, false)).toMatchObject(expected);
  });

  it('defaults to port 2376 with TLS', () => {
    expect(parseDockerHost('tcp://docker.example', true)).toMatchObject({ port: 2376 });
  });

  it.each(['ssh://user@host', 'npipe:////./pipe/docker_engine', 'unix://', 'tcp://host:99999'])('refuses %s', (text) => {
    expect(() => parseDockerHost(text, false)).toThrow(/Docker host/);
  });
});

describe('resolveDockerEndpoint', () => {
  it('prefers -H, then DOCKER_HOST, then the default socket', async () => {
    const env = { DOCKER_HOST: 'unix:///tmp/env.sock' };
    expect(await resolveDockerEndpoint({ host: 'unix:///tmp/flag.sock', env, defaultSocket: '/d.sock' })).toMatchObject({ socketPath: '/tmp/flag.sock' });
    expect(await resolveDockerEndpoint({ env, defaultSocket: '/d.sock' })).toMatchObject({ socketPath: '/tmp/env.sock' });
    expect(await resolveDockerEndpoint({ env: {}, defaultSocket: '/d.sock' })).toMatchObject({ socketPath: '/d.sock' });
  });

  it('loads ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH with DOCKER_TLS_VERIFY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ws-certs-'));
    try {
      for (const name of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(dir, name), name);
      const endpoint = await resolveDockerEndpoint({
        env: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
        defaultSocket: '/d.sock',
      });
      expect(endpoint.kind === 'tcp' && endpoint.tls).toMatchObject({ verify: true, ca: Buffer.from('ca.pem'), key: Buffer.from('key.pem') });
      await rm(join(dir, 'ca.pem'));
      await expect(
        resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }, defaultSocket: '/d.sock' }),
      ).rejects.toThrow(/ca\.pem/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('speaks plain HTTP to tcp:// without TLS variables', async () => {
    const endpoint = await resolveDockerEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' }, defaultSocket: '/d.sock' });
    expect(endpoint).toMatchObject({ kind: 'tcp' });
    expect('tls' in endpoint).toBe(false);
  });
});

describe('dockerDefaults', () => {
  it('uses the system paths for root', () => {
    expect(dockerDefaults({ env: { XDG_RUNTIME_DIR: '/run/user/0' }, uid: 0, exists: () => true })).toMatchObject({
      rootless: false,
      socketPath: '/var/run/docker.sock',
      configFile: '/etc/docker/daemon.json',
    });
  });

  it('uses the XDG paths of rootless Docker when the user socket exists', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000', HOME: '/home/u' };
    expect(dockerDefaults({ env, uid: 1000, exists: (p) => p === '/run/user/1000/docker.sock' })).toEqual({
      rootless: true,
      socketPath: '/run/user/1000/docker.sock',
      configFile: '/home/u/.config/docker/daemon.json',
      pidfile: '/run/user/1000/docker.pid',
      systemdUser: true,
    });
    expect(dockerDefaults({ env: { ...env, XDG_CONFIG_HOME: '/cfg' }, uid: 1000, exists: () => true }).configFile).toBe('/cfg/docker/daemon.json');
    expect(dockerDefaults({ env, uid: 1000, exists: () => false }).rootless).toBe(false);
  });

  it('is rootless inside RootlessKit even as namespaced root', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000', HOME: '/home/u', ROOTLESSKIT_STATE_DIR: '/run/user/1000/dockerd-rootless' };
    expect(dockerDefaults({ env, uid: 0, exists: () => false }).rootless).toBe(true);
  });
});
