import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where dockerd keeps its socket, configuration and pid file by default: the system paths,
 * or, for rootless Docker under RootlessKit, the user's XDG directories.
 */
export interface DockerDefaults {
  readonly rootless: boolean;
  readonly socketPath: string;
  readonly configFile: string;
  readonly pidfile: string;
  /** Whether the service is a systemd user unit (`systemctl --user`). */
  readonly systemdUser: boolean;
}

export interface DefaultsContext {
  readonly env: NodeJS.ProcessEnv;
  readonly uid: number;
  readonly exists?: (path: string) => boolean;
  readonly home?: string;
}

export const SYSTEM_DEFAULTS: DockerDefaults = {
  rootless: false,
  socketPath: '/var/run/docker.sock',
  configFile: '/etc/docker/daemon.json',
  pidfile: '/var/run/docker.pid',
  systemdUser: false,
};

/**
 * Rootless when running inside RootlessKit's namespaces (it exports ROOTLESSKIT_STATE_DIR,
 * and uid 0 there is the user), or as a normal user whose runtime directory holds a
 * docker.sock (the socket dockerd-rootless.sh creates).
 */
export const dockerDefaults = (context: DefaultsContext): DockerDefaults => {
  const { env, uid } = context;
  const exists = context.exists ?? existsSync;
  const runtimeDir = nonEmpty(env['XDG_RUNTIME_DIR']);
  const inRootlessKit = nonEmpty(env['ROOTLESSKIT_STATE_DIR']) !== undefined;
  const userSocket = runtimeDir === undefined ? undefined : join(runtimeDir, 'docker.sock');
  const rootless = inRootlessKit || (uid !== 0 && userSocket !== undefined && exists(userSocket));
  if (!rootless || runtimeDir === undefined) return SYSTEM_DEFAULTS;
  const home = nonEmpty(env['HOME']) ?? context.home ?? homedir();
  const configHome = nonEmpty(env['XDG_CONFIG_HOME']) ?? join(home, '.config');
  return {
    rootless: true,
    socketPath: join(runtimeDir, 'docker.sock'),
    configFile: join(configHome, 'docker', 'daemon.json'),
    pidfile: join(runtimeDir, 'docker.pid'),
    systemdUser: true,
  };
};

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;
