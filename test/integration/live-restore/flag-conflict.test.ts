import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithDocker } from '../../harness/docker/describe-with-docker.js';
import { PrivateDockerd } from '../../harness/docker/private-dockerd.js';
import { freePort, generateDockerTls, type DockerTls } from '../../harness/docker/tls.js';
import { findingIds, jsonOf, liveRestore } from './cli-runner.js';

// A dockerd started with --live-restore on its command line, reachable over TCP with mutual
// TLS as well as over its unix socket.
describeWithDocker('live-restore with --live-restore on the dockerd command line', () => {
  let daemon: PrivateDockerd;
  let tls: DockerTls;
  let tcpHost: string;

  const unix = (...args: string[]): string[] => [...args, '-H', daemon.host];

  beforeAll(async () => {
    daemon = await PrivateDockerd.create();
    tls = await generateDockerTls(join(daemon.dir, 'tls'));
    const port = await freePort();
    tcpHost = `tcp://127.0.0.1:${port}`;
    daemon.flags = ['--live-restore', '-H', tcpHost, '--tlsverify', '--tlscacert', tls.caCert, '--tlscert', tls.serverCert, '--tlskey', tls.serverKey];
    await daemon.start();
  });

  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('status works over TCP with mutual TLS (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)', async () => {
    const env = { DOCKER_HOST: tcpHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tls.clientDir };
    const outcome = await liveRestore(['status', '--json'], env);
    expect(outcome.status, outcome.stdout).toBe(0);
    expect(jsonOf(outcome)).toMatchObject({
      host: tcpHost,
      reachable: true,
      runningValue: true,
      commandLineFlag: true,
      fileValue: null,
      dockerd: { pid: daemon.pid, foundBy: 'process-scan' },
      configFile: { path: daemon.configFile, source: 'dockerd' },
    });
  });

  it('the TLS daemon is unreachable without a client certificate (exit status 3)', async () => {
    const caOnly = join(daemon.dir, 'ca-only');
    await mkdir(caOnly);
    await copyFile(tls.caCert, join(caOnly, 'ca.pem'));
    const outcome = await liveRestore(['status'], { DOCKER_HOST: tcpHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: caOnly });
    expect(outcome.status).toBe(3);
    // The daemon's handshake demands a client certificate; host name and CA checks pass.
    expect(outcome.stdout).toMatch(/Daemon\s+unreachable: Cannot connect .*: TLS handshake failed: sslv3 alert bad certificate/);
    expect(outcome.stdout).not.toMatch(/altnames|self-signed|unable to verify/);
  });

  it('enable and disable refuse, and the file stays as it was', async () => {
    const before = await readFile(daemon.configFile);
    const enable = await liveRestore(unix('enable', '--json'));
    expect(enable.status).toBe(1);
    expect(jsonOf(enable)).toMatchObject({ ok: false, error: { code: 'flag-conflict' } });
    expect(enable.stderr).toContain("dockerd's command line sets --live-restore");
    const disable = await liveRestore(unix('disable'));
    expect(disable.status).toBe(1);
    expect((await readFile(daemon.configFile)).equals(before)).toBe(true);
  });

  it('check reports the flag, then the flag and the key together, which dockerd refuses for real', async () => {
    const flagOnly = await liveRestore(unix('check', '--json'));
    expect(flagOnly.status).toBe(1);
    expect(findingIds(flagOnly)).toContain('live-restore-flag');

    const text = await readFile(daemon.configFile, 'utf8');
    await writeFile(daemon.configFile, text.replace(/\n}\n$/, ',\n  "live-restore": true\n}\n'));
    const both = await liveRestore(unix('check', '--json'));
    expect(both.status).toBe(1);
    const findings = jsonOf<{ findings: { id: string; severity: string; message: string }[] }>(both).findings;
    expect(findings.find((f) => f.id === 'flag-and-file')).toMatchObject({ severity: 'error', message: expect.stringContaining('will not start') });
    expect((await liveRestore(unix('reload'))).status).toBe(1);

    await daemon.stop();
    const { code, log } = await daemon.startExpectingExit();
    expect(code).not.toBe(0);
    expect(log).toContain('the following directives are specified both as a flag and in the configuration file: live-restore');
  });
});
