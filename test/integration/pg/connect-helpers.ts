import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConnectOptions, connect } from '../../../src/core/pg/connection/connect.js';
import type { PgConnection } from '../../../src/core/pg/connection/pg-connection.js';
import { type ResolvedConnection, resolveConnection } from '../../../src/core/pg/conninfo/resolve.js';
import type { ConnectAs, PgCluster } from '../../harness/pg/index.js';

/** A HOME with no .pgpass and no ~/.postgresql: tests see only what they configure. */
export const isolatedHome = mkdtempSync(join(tmpdir(), 'ws-pg-home-'));

export interface ConnectVia extends ConnectAs {
  readonly password?: string;
  readonly replication?: 'true' | 'database';
  readonly env?: NodeJS.ProcessEnv;
}

/** Resolves a connection to `cluster` through the real conninfo code, password kept out of the string. */
export const resolvedFor = (cluster: PgCluster, via: ConnectVia = {}): ResolvedConnection =>
  resolveConnection({
    connString: cluster.connString(via),
    overrides: via.password === undefined ? {} : { password: via.password },
    ...(via.replication === undefined ? {} : { replication: via.replication }),
    fallbackApplicationName: 'ws-integration',
    env: { HOME: isolatedHome, PGPASSFILE: join(isolatedHome, 'no-pgpass'), ...via.env },
  });

export const connectTo = (
  cluster: PgCluster,
  via: ConnectVia = {},
  extra: Omit<ConnectOptions, 'resolved'> = {},
): Promise<PgConnection> => connect({ resolved: resolvedFor(cluster, via), ...extra });

/** Runs `body` with a connection and always closes it. */
export const withConnection = async <T>(
  cluster: PgCluster,
  via: ConnectVia,
  body: (c: PgConnection) => Promise<T>,
): Promise<T> => {
  const c = await connectTo(cluster, via);
  try {
    return await body(c);
  } finally {
    await c.close();
  }
};
