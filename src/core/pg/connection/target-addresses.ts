import { isIP } from 'node:net';
import { type ConnectionTarget, shuffled } from '../conninfo/targets.js';

/** Every address a host name resolves to. */
export type LookupAll = (host: string) => Promise<readonly string[]>;

const lookupAll: LookupAll = async (host) => {
  // Loaded on first use: only load_balance_hosts=random resolves names itself.
  const { lookup } = await import('node:dns/promises');
  return (await lookup(host, { all: true })).map((found) => found.address);
};

/**
 * The attempts one target makes: the target itself, or with load_balance_hosts=random one
 * per address its host name resolves to, in random order, as libpq shuffles a host's
 * addresses too (a DNS name with several addresses is the common way to list replicas).
 * Each attempt keeps the host name, for TLS verification, .pgpass and the messages, and
 * connects to its address as hostaddr does. A name that does not resolve stays one target,
 * whose connect then reports why.
 */
export const addressAttempts = async (
  target: ConnectionTarget,
  loadBalanceHosts: 'disable' | 'random',
  lookup: LookupAll = lookupAll,
  random: () => number = Math.random,
): Promise<readonly ConnectionTarget[]> => {
  if (loadBalanceHosts !== 'random' || target.socketPath !== undefined || target.hostaddr !== undefined || isIP(target.host) !== 0) {
    return [target];
  }
  let addresses: readonly string[];
  try {
    addresses = await lookup(target.host);
  } catch {
    return [target];
  }
  return addresses.length === 0 ? [target] : shuffled(addresses, random).map((hostaddr) => ({ ...target, hostaddr }));
};
