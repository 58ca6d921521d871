import { ConninfoError, ConninfoErrorCode } from './conninfo-error.js';
import { type ConnectionProbe, defaultHostFor, socketFileName } from './environment-probe.js';
import { parsePort } from './validate-values.js';

export interface ConnectionTarget {
  /** A host name or IP address, or a socket directory (starts with `/`, or `@` for Linux's
   * abstract namespace). With only `hostaddr` given, the address itself. */
  readonly host: string;
  readonly hostaddr?: string;
  readonly port: number;
  /** `${dir}/.s.PGSQL.${port}` for unix sockets; abstract sockets start with a NUL byte. */
  readonly socketPath?: string;
}

/** libpq's is_unixsock_path: an absolute path, or `@name` for an abstract socket. */
export const isUnixSocketHost = (host: string): boolean => host.startsWith('/') || host.startsWith('@');

const splitList = (value: string | undefined): string[] | undefined =>
  value === undefined || value === '' ? undefined : value.split(',');

const socketPathOf = (dir: string, port: number): string =>
  dir.startsWith('@')
    ? `\0${dir.slice(1)}/${socketFileName(port)}`
    : `${dir.replace(/\/+$/, '')}/${socketFileName(port)}`;

/**
 * One target per element of the host (or hostaddr) list, as libpq's connectOptions2 builds
 * them: hostaddr decides the count when given; one port applies to every host, otherwise the
 * counts must match; an empty element takes the default.
 */
export const buildTargets = (
  host: string | undefined,
  hostaddr: string | undefined,
  port: string | undefined,
  probe: ConnectionProbe,
): ConnectionTarget[] => {
  const addrs = splitList(hostaddr);
  const hosts = splitList(host);
  const count = addrs?.length ?? hosts?.length ?? 1;
  if (addrs !== undefined && hosts !== undefined && hosts.length !== addrs.length) {
    throw new ConninfoError(
      ConninfoErrorCode.hostMismatch,
      `could not match ${hosts.length} host names to ${addrs.length} hostaddr values`,
      'host',
    );
  }
  const portList = splitList(port);
  if (portList !== undefined && portList.length !== 1 && portList.length !== count) {
    throw new ConninfoError(
      ConninfoErrorCode.hostMismatch,
      `could not match ${portList.length} port numbers to ${count} hosts`,
      'port',
    );
  }
  const targets: ConnectionTarget[] = [];
  for (let i = 0; i < count; i++) {
    const portText = portList === undefined ? '' : (portList.length === 1 ? portList[0] : portList[i]) ?? '';
    const portNumber = portText === '' ? 5432 : parsePort(portText);
    const addr = addrs?.[i] ?? '';
    const name = hosts?.[i] ?? '';
    if (addr !== '') {
      targets.push({ host: name !== '' ? name : addr, hostaddr: addr, port: portNumber });
      continue;
    }
    const effective = name !== '' ? name : defaultHostFor(portNumber, probe);
    targets.push(
      isUnixSocketHost(effective)
        ? { host: effective, port: portNumber, socketPath: socketPathOf(effective, portNumber) }
        : { host: effective, port: portNumber },
    );
  }
  return targets;
};

/** A new array of `items` in random order (Fisher-Yates); `random` is injectable for tests. */
export const shuffled = <T>(items: readonly T[], random: () => number = Math.random): T[] => {
  const order = [...items];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as T, order[i] as T];
  }
  return order;
};

/**
 * The order one connect tries the targets in: as given, or with load_balance_hosts=random a
 * fresh random order at every connect, so that many clients spread over the hosts.
 */
export const targetsInConnectOrder = (
  targets: readonly ConnectionTarget[],
  loadBalanceHosts: 'disable' | 'random',
  random: () => number = Math.random,
): readonly ConnectionTarget[] => (loadBalanceHosts === 'random' ? shuffled(targets, random) : targets);

/** libpq never negotiates TLS over a unix socket, whatever sslmode says. */
export const usesTls = (target: ConnectionTarget): boolean => target.socketPath === undefined;
