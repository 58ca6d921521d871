import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import type { ToolIO } from '../../core/cli/io.js';
import { promptPassword } from '../../core/cli/password-prompt.js';
import { resolveConnection } from '../../core/pg/conninfo/resolve.js';
import { connect } from '../../core/pg/connection/connect.js';
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
  const signal = io.signal === undefined ? {} : { signal: io.signal };
  const overrides: Record<string, string> = {};
  if (local !== undefined && flags.dbname === undefined) {
    if (local.socketDirectory !== undefined) overrides['host'] = local.socketDirectory;
    if (local.port !== undefined) overrides['port'] = String(local.port);
  }
  if (flags.host !== undefined) overrides['host'] = flags.host;
  if (flags.port !== undefined) overrides['port'] = flags.port;
  if (flags.username !== undefined) overrides['user'] = flags.username;
  if (flags.passwordMode === 'prompt') overrides['password'] = await promptPassword(signal);
  const resolved = resolveConnection({
    ...(flags.dbname === undefined ? {} : { connString: flags.dbname }),
    overrides,
    fallbackApplicationName: 'promote',
    env: io.env,
  });
  return connect({
    resolved,
    ...signal,
    ...(flags.passwordMode === 'never' ? {} : { promptPassword: () => promptPassword(signal) }),
  });
};
