import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../../src/core/docker/engine-client.js';
import { removeDockerdLeftovers } from './leftovers.js';
import { requireProgram } from './prerequisites.js';

export interface PrivateDockerdOptions {
  /** Extra dockerd flags (e.g. --live-restore, -H tcp://...). */
  readonly flags?: readonly string[];
  /** daemon.json content; `null` leaves the file absent. Default: a small valid file. */
  readonly config?: string | null;
  /**
   * 'managed' (default): dockerd starts its own containerd. 'external': the harness runs a
   * private containerd first and passes --containerd, like a system containerd service.
   */
  readonly containerd?: 'managed' | 'external';
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * A dockerd of its own for one test file: its own socket, config file, pid file, data root
 * and exec root in a fresh directory under /tmp, no iptables, no bridge, the vfs driver.
 * dockerd writes a trust key to "deprecated-key-path" (default /etc/docker/key.json), so
 * the default config points it into the private directory.
 */
export class PrivateDockerd {
  readonly dir: string;
  readonly socket: string;
  readonly host: string;
  readonly configFile: string;
  readonly pidfile: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  flags: readonly string[];
  readonly containerdSocket: string | undefined;
  #containerd: ChildProcess | undefined;
  #child: ChildProcess | undefined;
  #exit: Promise<number | null> | undefined;
  #starts = 0;

  private constructor(dir: string, flags: readonly string[], externalContainerd: boolean) {
    this.dir = dir;
    this.socket = join(dir, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.configFile = join(dir, 'etc', 'daemon.json');
    this.pidfile = join(dir, 'docker.pid');
    this.dataRoot = join(dir, 'data');
    this.execRoot = join(dir, 'exec');
    this.flags = flags;
    this.containerdSocket = externalContainerd ? join(dir, 'containerd', 'containerd.sock') : undefined;
  }

  static async create(options: PrivateDockerdOptions = {}): Promise<PrivateDockerd> {
    const dir = await mkdtemp(join(tmpdir(), 'ws-dockerd-'));
    await chmod(dir, 0o711);
    const daemon = new PrivateDockerd(dir, options.flags ?? [], options.containerd === 'external');
    await mkdir(join(dir, 'etc'), { mode: 0o755 });
    const config = options.config === undefined ? daemon.defaultConfig() : options.config;
    if (config !== null) await writeFile(daemon.configFile, config, { mode: 0o644 });
    return daemon;
  }

  /** A config that keeps dockerd's files inside the private directory. */
  defaultConfig(extra: Readonly<Record<string, unknown>> = {}): string {
    return `${JSON.stringify({ 'deprecated-key-path': join(this.dir, 'key.json'), ...extra }, null, 2)}\n`;
  }

  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  args(): string[] {
    return [
      '--config-file', this.configFile,
      '--pidfile', this.pidfile,
      '-H', this.host,
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--iptables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      ...(this.containerdSocket === undefined ? [] : ['--containerd', this.containerdSocket]),
      ...this.flags,
    ];
  }

  /** The log of the latest start. */
  async log(): Promise<string> {
    return readFile(join(this.dir, `dockerd.${this.#starts}.log`), 'utf8').catch(() => '');
  }

  private async spawnDaemon(): Promise<void> {
    if (this.running) throw new Error('the private dockerd is already running');
    this.#starts += 1;
    const log = await open(join(this.dir, `dockerd.${this.#starts}.log`), 'w');
    try {
      const child = spawn(requireProgram('dockerd'), this.args(), { stdio: ['ignore', log.fd, log.fd], detached: true });
      this.#child = child;
      this.#exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
    } finally {
      await log.close();
    }
  }

  /** The private containerd of an 'external' setup, started once. */
  private async startContainerd(): Promise<void> {
    if (this.containerdSocket === undefined || this.#containerd !== undefined) return;
    const root = join(this.dir, 'containerd');
    const config = join(root, 'config.toml');
    await mkdir(root, { recursive: true });
    await writeFile(
      config,
      [
        'version = 2',
        `root = ${JSON.stringify(join(root, 'root'))}`,
        `state = ${JSON.stringify(join(root, 'state'))}`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = ${JSON.stringify(this.containerdSocket)}`,
        '',
      ].join('\n'),
    );
    const log = await open(join(root, 'containerd.log'), 'w');
    try {
      const child = spawn(requireProgram('containerd'), ['--config', config], { stdio: ['ignore', log.fd, log.fd], detached: true });
      this.#containerd = child;
      child.unref();
    } finally {
      await log.close();
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!existsSync(this.containerdSocket)) {
      if (Date.now() > deadline) throw new Error(`containerd did not create ${this.containerdSocket}`);
      await sleep(100);
    }
  }

  /** The pid of the harness's own containerd ('external' setups). */
  get containerdPid(): number | undefined {
    const child = this.#containerd;
    return child?.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** Starts dockerd and waits until /_ping answers. */
  async start(): Promise<void> {
    await this.startContainerd();
    await this.spawnDaemon();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`dockerd exited during start-up:\n${(await this.log()).slice(-2000)}`);
      if (existsSync(this.socket)) {
        const client = new EngineClient({ kind: 'unix', socketPath: this.socket, url: this.host }, { timeoutMs: 2000 });
        const ok = await client.ping().then(() => true, () => false);
        if (ok) return;
      }
      await sleep(100);
    }
    throw new Error(`dockerd did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${(await this.log()).slice(-2000)}`);
  }

  /** Starts dockerd when it is expected to refuse to run; resolves to its exit code and log. */
  async startExpectingExit(timeoutMs = 60_000): Promise<{ code: number | null; log: string }> {
    await this.spawnDaemon();
    const code = await Promise.race([this.#exit, sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      await this.stop();
      throw new Error(`dockerd kept running for ${timeoutMs / 1000} s although it was expected to exit`);
    }
    await this.awaitContainerdGone();
    return { code: code ?? null, log: await this.log() };
  }

  /** Sends `signal` and waits for dockerd to exit (SIGKILL after 30 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    process.kill(pid, signal);
    const exited = await Promise.race([this.#exit, sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const)]);
    if (exited === 'timeout' && this.pid !== undefined) {
      process.kill(pid, 'SIGKILL');
      await this.#exit;
    }
    await this.awaitContainerdGone();
  }

  /**
   * dockerd's own containerd outlives it briefly, and an init that reaps orphans lazily (this
   * sandbox's pid 1 takes seconds) leaves it a zombie. dockerd's next start takes the live pid
   * in exec-root/containerd/containerd.pid for a running containerd and times out waiting for
   * it, so wait until that pid has left /proc.
   */
  private async awaitContainerdGone(): Promise<void> {
    const text = await readFile(join(this.execRoot, 'containerd', 'containerd.pid'), 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) return;
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await sleep(100);
    if (existsSync(`/proc/${pid}`)) throw new Error(`dockerd's containerd (pid ${pid}) is still in /proc ${STOP_TIMEOUT_MS / 1000} s after dockerd exited`);
  }

  /** An API client (version negotiated) for the test's own requests. */
  async client(): Promise<EngineClient> {
    const client = new EngineClient({ kind: 'unix', socketPath: this.socket, url: this.host }, { timeoutMs: 30_000 });
    await client.negotiate();
    return client;
  }

  /**
   * Removes everything: containers (through the API while dockerd runs), dockerd, any shim,
   * containerd or container process it left, mounts under the directory, the directory.
   */
  async cleanup(): Promise<void> {
    if (this.running) {
      const client = await this.client().catch(() => undefined);
      if (client !== undefined) {
        const all = await client.getJson<{ Id: string }[]>('/containers/json', { all: 1 }).catch(() => []);
        for (const container of all) {
          await client.request('DELETE', `/containers/${container.Id}`, { query: { force: 1 } }).catch(() => undefined);
        }
      }
      await this.stop();
    }
    const containerd = this.containerdPid;
    if (containerd !== undefined) {
      const exited = new Promise((resolve) => this.#containerd?.once('exit', resolve));
      process.kill(containerd, 'SIGTERM');
      await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
    }
    await removeDockerdLeftovers(this.dir);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
