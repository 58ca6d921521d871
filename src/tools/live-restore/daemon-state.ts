import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { isWarmstandbyError, type WarmstandbyError } from '../../core/errors.js';
import {
  analyzeDaemonConfig,
  readDaemonConfigFile,
  type DaemonConfigAnalysis,
  type DaemonConfigFile,
} from '../../core/docker/daemon-json/daemon-config.js';
import { dockerDefaults, type DockerDefaults } from '../../core/docker/defaults.js';
import { booleanFlag } from '../../core/docker/dockerd-args.js';
import { configFileOf, findDockerd, findManagedContainerd, type DockerdProcess } from '../../core/docker/dockerd-process.js';
import { resolveDockerEndpoint, type DockerEndpoint } from '../../core/docker/endpoint.js';
import { getInfo, getVersion, type DockerInfo, type DockerVersion } from '../../core/docker/engine-api.js';
import { EngineClient, type PingResult } from '../../core/docker/engine-client.js';
import { DaemonUnreachableError } from '../../core/docker/errors.js';
import { findInstalledDockerd, type InstalledDockerd } from '../../core/docker/installed-dockerd.js';
import { listProcesses, type ProcEntry } from '../../core/docker/proc.js';
import { findSystemdService, type SystemdService } from '../../core/docker/systemd.js';
import { parseMajorMinor } from '../../core/docker/version-rule.js';
import type { LiveRestoreOptions } from './options.js';

export interface ConfigFileChoice {
  readonly path: string;
  readonly source: 'option' | 'dockerd' | 'default';
  /** The file dockerd reads, when it differs from `path`. */
  readonly dockerdReads?: string;
}

/** Everything live restore depends on, gathered once per command. */
export interface DaemonState {
  readonly defaults: DockerDefaults;
  readonly endpoint: DockerEndpoint;
  readonly client: EngineClient;
  /** Set when the API could not be reached; the API fields below are then absent. */
  readonly unreachable?: WarmstandbyError;
  readonly ping?: PingResult;
  readonly info?: DockerInfo;
  readonly version?: DockerVersion;
  readonly dockerd?: DockerdProcess;
  readonly dockerdNotes: readonly string[];
  /** --live-restore on dockerd's command line (undefined: not set or dockerd not found). */
  readonly flagLiveRestore?: boolean;
  readonly configFile: ConfigFileChoice;
  readonly file?: DaemonConfigFile;
  readonly fileError?: WarmstandbyError;
  readonly analysis?: DaemonConfigAnalysis;
  readonly systemd?: SystemdService;
  readonly managedContainerd?: ProcEntry;
  readonly installed?: InstalledDockerd;
  readonly pipeMaxSize?: number;
}

export async function gatherDaemonState(options: LiveRestoreOptions): Promise<DaemonState> {
  const { env } = options.io;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const defaults = dockerDefaults({ env, uid });
  const endpoint = await resolveDockerEndpoint({
    ...(options.host === undefined ? {} : { host: options.host }),
    env,
    defaultSocket: defaults.socketPath,
  });
  const client = new EngineClient(endpoint, { timeoutMs: options.timeoutMs });
  const api = await queryApi(client);
  const found = await findDockerd({
    ...(options.pidfile === undefined ? {} : { pidfile: resolve(options.io.cwd, options.pidfile) }),
    defaultPidfile: defaults.pidfile,
    endpoint,
    defaultSocket: defaults.socketPath,
  });
  const dockerd = found.process;
  const configFile = chooseConfigFile(options, defaults, dockerd);
  const fileRead = await readDaemonConfigFile(configFile.path).then(
    (file) => ({ file }),
    (error: unknown) => {
      if (isWarmstandbyError(error)) return { fileError: error };
      throw error;
    },
  );
  const runningVersion = api.info === undefined ? undefined : parseMajorMinor(api.info.ServerVersion);
  const analysis = 'file' in fileRead ? analyzeDaemonConfig(fileRead.file, runningVersion) : undefined;
  const [systemd, processes, installed, pipeMaxSize] = await Promise.all([
    dockerd === undefined
      ? undefined
      : findSystemdService(dockerd.pid, {
          user: defaults.systemdUser,
          timeoutMs: options.timeoutMs,
          ...(options.run === undefined ? {} : { run: options.run }),
          ...(options.systemdBooted === undefined ? {} : { systemdBooted: options.systemdBooted }),
        }),
    dockerd === undefined ? [] : listProcesses(),
    findInstalledDockerd({ ...(dockerd?.exe === undefined ? {} : { runningExe: dockerd.exe }), env, ...(options.run === undefined ? {} : { run: options.run }) }),
    readFile('/proc/sys/fs/pipe-max-size', 'utf8').then((t) => Number(t.trim()), () => undefined),
  ]);
  const flagLiveRestore = dockerd === undefined ? undefined : booleanFlag(dockerd.commandLine, 'live-restore');
  const managedContainerd = dockerd === undefined ? undefined : findManagedContainerd(dockerd.pid, processes);
  return {
    defaults,
    endpoint,
    client,
    ...api,
    ...(dockerd === undefined ? {} : { dockerd }),
    dockerdNotes: found.notes,
    ...(flagLiveRestore === undefined ? {} : { flagLiveRestore }),
    configFile,
    ...fileRead,
    ...(analysis === undefined ? {} : { analysis }),
    ...(systemd === undefined ? {} : { systemd }),
    ...(managedContainerd === undefined ? {} : { managedContainerd }),
    ...(installed === undefined ? {} : { installed }),
    ...(pipeMaxSize === undefined || Number.isNaN(pipeMaxSize) ? {} : { pipeMaxSize }),
  };
}

type ApiPart = Pick<DaemonState, 'unreachable' | 'ping' | 'info' | 'version'>;

const queryApi = async (client: EngineClient): Promise<ApiPart> => {
  try {
    const ping = await client.negotiate();
    const [info, version] = await Promise.all([getInfo(client), getVersion(client)]);
    return { ping, info, version };
  } catch (error) {
    if (error instanceof DaemonUnreachableError) return { unreachable: error };
    throw error;
  }
};

/** --config-file, else the file dockerd was started with, else the default location. */
const chooseConfigFile = (options: LiveRestoreOptions, defaults: DockerDefaults, dockerd: DockerdProcess | undefined): ConfigFileChoice => {
  const fromDockerd = dockerd === undefined ? undefined : configFileOf(dockerd);
  const dockerdReads = dockerd === undefined ? undefined : fromDockerd ?? defaults.configFile;
  if (options.configFile !== undefined) {
    const path = resolve(options.io.cwd, options.configFile);
    const differs = dockerdReads !== undefined && isAbsolute(dockerdReads) && resolve(dockerdReads) !== path;
    return { path, source: 'option', ...(differs ? { dockerdReads } : {}) };
  }
  if (fromDockerd !== undefined) return { path: fromDockerd, source: 'dockerd' };
  return { path: defaults.configFile, source: 'default' };
};
