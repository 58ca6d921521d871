import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';

/**
 * What resolving connection parameters needs to know about the machine, injectable so that
 * tests decide which sockets "exist" and who the OS user is.
 */
export interface ConnectionProbe {
  /** True when a unix socket (or any file) exists at `path`. */
  readonly socketExists: (path: string) => boolean;
  /** True when a regular file exists at `path` (default TLS certificate and key files). */
  readonly fileExists: (path: string) => boolean;
  /** The effective OS user's name, or undefined when it cannot be looked up. */
  readonly osUserName: () => string | undefined;
  /** The user's home directory from the passwd database (used when HOME is unset). */
  readonly passwdHome: () => string | undefined;
}

const safeUserInfo = (): { username: string; homedir: string } | undefined => {
  try {
    return userInfo();
  } catch {
    // No passwd entry for our uid (common in containers): libpq fails the same lookup.
    return undefined;
  }
};

export const systemProbe: ConnectionProbe = {
  socketExists: (path) => existsSync(path),
  fileExists: (path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  osUserName: () => safeUserInfo()?.username,
  passwdHome: () => safeUserInfo()?.homedir,
};

/** libpq's pqGetHomeDirectory: $HOME when set and non-empty, else the passwd entry. */
export const homeDirectory = (env: NodeJS.ProcessEnv, probe: ConnectionProbe): string | undefined => {
  const home = env['HOME'];
  return home !== undefined && home !== '' ? home : probe.passwdHome();
};

/**
 * Socket directories tried, in order, when no host is given. Debian's libpq is compiled with
 * /var/run/postgresql; upstream's default and the embedded servers use /tmp. We take the first
 * whose socket file for the port exists. When neither does, the first one, as libpq does: the
 * connection then fails naming that socket. libpq never tries TCP on its own, and neither do
 * we (a tool that reached some other server on localhost would be worse than an error).
 */
export const DEFAULT_SOCKET_DIRECTORIES = ['/var/run/postgresql', '/tmp'] as const;

export const socketFileName = (port: number): string => `.s.PGSQL.${port}`;

export const defaultHostFor = (port: number, probe: ConnectionProbe): string =>
  DEFAULT_SOCKET_DIRECTORIES.find((dir) => probe.socketExists(`${dir}/${socketFileName(port)}`)) ??
  DEFAULT_SOCKET_DIRECTORIES[0];
