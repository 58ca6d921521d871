import { describe, expect, it } from 'vitest';
import type { ConnectionTarget } from '../../../../src/core/pg/conninfo/targets.js';
import { addressAttempts, type LookupAll } from '../../../../src/core/pg/connection/target-addresses.js';

// load_balance_hosts=random shuffles a host name's addresses as well as the hosts (libpq 16):
// each address becomes an attempt of its own that keeps the name.
const host: ConnectionTarget = { host: 'replicas.example', port: 5432 };
const lookup = (addresses: readonly string[]): LookupAll => async () => addresses;

describe('addressAttempts', () => {
  it('disable: the target as it is, no lookup', async () => {
    const failing: LookupAll = async () => {
      throw new Error('no lookup expected');
    };
    expect(await addressAttempts(host, 'disable', failing)).toEqual([host]);
  });

  it('random: one attempt per address, in a random order, the name kept', async () => {
    const three = lookup(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(await addressAttempts(host, 'random', three, () => 0)).toEqual([
      { ...host, hostaddr: '10.0.0.2' }, { ...host, hostaddr: '10.0.0.3' }, { ...host, hostaddr: '10.0.0.1' },
    ]);
    const orders = new Set<string>();
    for (let i = 0; i < 500; i++) orders.add((await addressAttempts(host, 'random', three)).map((t) => t.hostaddr).join());
    expect(orders.size).toBe(6);
  });

  it('random: sockets, addresses and hostaddr targets need no lookup', async () => {
    const failing: LookupAll = async () => {
      throw new Error('no lookup expected');
    };
    const targets: ConnectionTarget[] = [
      { host: '/tmp', port: 5432, socketPath: '/tmp/.s.PGSQL.5432' },
      { host: '127.0.0.1', port: 5432 },
      { host: '::1', port: 5432 },
      { host: 'db', hostaddr: '10.0.0.9', port: 5432 },
    ];
    for (const target of targets) expect(await addressAttempts(target, 'random', failing)).toEqual([target]);
  });

  it('random: a name that does not resolve stays one attempt, whose connect says why', async () => {
    const failing: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await addressAttempts(host, 'random', failing)).toEqual([host]);
    expect(await addressAttempts(host, 'random', lookup([]))).toEqual([host]);
  });
});
