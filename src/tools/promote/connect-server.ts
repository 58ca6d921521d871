import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import { programNameOf, type ToolIO } from '../../core/cli/io.js';
import { openConnection } from '../../core/cli/open-connection.js';
import { createOutput } from '../../core/cli/output.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';

/** Where a local server listens, from its postmaster.pid: used when no -h/-p/-d was given. */
export interface LocalEndpoint {
  readonly socketDirectory?: string;
  readonly port?: number;
}

/**
 * A normal (database) connection, as psql would open it: -h -p -U override -d, which
 * overrides PG* variables. For a local promotion the socket directory and port written in
 * postmaster.pid stand in for -h and -p, so --check reaches the very server it will signal.
 */
export const openServerConnection = async (
  flags: ConnectionFlags,
  io: ToolIO,
  local?: LocalEndpoint,
): Promise<PgConnection> => {
  const defaults: Record<string, string> = {};
  if (local?.socketDirectory !== undefined) defaults['host'] = local.socketDirectory;
  if (local?.port !== undefined) defaults['port'] = String(local.port);
  const { connection } = await openConnection({
    flags,
    env: io.env,
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    applicationName: programNameOf(io, 'promote'),
    defaults,
    onWarning: (message) => createOutput('promote', io).warn(message),
    typed: {},
  });
  return connection;
};
