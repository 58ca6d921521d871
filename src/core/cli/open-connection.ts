import type { ResolvedConnection } from '../pg/conninfo/resolve.js';
import { resolveConnection } from '../pg/conninfo/resolve.js';
import { connect } from '../pg/connection/connect.js';
import type { PgConnection } from '../pg/connection/pg-connection.js';
import type { ConnectionFlags } from './connection-flags.js';
import { promptPassword } from './password-prompt.js';

export interface OpenConnectionRequest {
  readonly flags: ConnectionFlags;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** fallback_application_name: the name the tool was invoked as, as libpq tools use argv[0]. */
  readonly applicationName: string;
  /** replication=true for a walsender (basebackup, receivewal). */
  readonly replication?: boolean;
  /** Keywords that -h -p -U still override (promote's endpoint from postmaster.pid). */
  readonly defaults?: Readonly<Record<string, string>>;
  readonly receiveBufferBytes?: number;
  /** libpq's warnings (a world-readable .pgpass); the tool decides how they look. */
  readonly onWarning: (message: string) => void;
  /**
   * A password typed at a prompt (-W, or because the server asked) is kept here, and used
   * for every later connection of the same run: a second connection, a reconnect.
   */
  readonly typed: { password?: string };
}

/**
 * The one way the tools connect, as the PostgreSQL tools do: -h -p -U override -d, which
 * overrides PG* variables and the service file; -W prompts once before connecting, -w never,
 * and by default only when the server asks. Every prompt honours the run's abort signal.
 */
export async function openConnection(
  request: OpenConnectionRequest,
): Promise<{ connection: PgConnection; resolved: ResolvedConnection }> {
  const { flags, typed } = request;
  const withSignal = request.signal === undefined ? {} : { signal: request.signal };
  const overrides: Record<string, string> = {};
  if (flags.dbname === undefined) Object.assign(overrides, request.defaults);
  if (flags.host !== undefined) overrides['host'] = flags.host;
  if (flags.port !== undefined) overrides['port'] = flags.port;
  if (flags.username !== undefined) overrides['user'] = flags.username;
  if (flags.passwordMode === 'prompt' && typed.password === undefined) {
    typed.password = await promptPassword({ prompt: 'Password: ', ...withSignal });
  }
  if (typed.password !== undefined) overrides['password'] = typed.password;
  const resolved = resolveConnection({
    ...(flags.dbname === undefined ? {} : { connString: flags.dbname }),
    overrides,
    ...(request.replication === true ? { replication: 'true' as const } : {}),
    fallbackApplicationName: request.applicationName,
    env: request.env,
  });
  const connection = await connect({
    resolved,
    ...withSignal,
    ...(request.receiveBufferBytes === undefined ? {} : { receiveBufferBytes: request.receiveBufferBytes }),
    onWarning: request.onWarning,
    ...(flags.passwordMode === 'never'
      ? {}
      : {
          promptPassword: async () => {
            typed.password = await promptPassword({ prompt: 'Password: ', ...withSignal });
            return typed.password;
          },
        }),
  });
  return { connection, resolved };
}
