import { promptPassword } from '../../core/cli/password-prompt.js';
import { WarmstandbyError } from '../../core/errors.js';
import { resolveConnection } from '../../core/pg/conninfo/resolve.js';
import { connect } from '../../core/pg/connection/connect.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import type { RunBaseBackupOptions } from './run.js';

export class BackupError extends WarmstandbyError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, hint === undefined ? { exitStatus: 1 } : { exitStatus: 1, hint });
  }
}

/** Connects as pg_basebackup does: replication=true, its libpq precedence, -W / -w. */
export const openReplicationConnection = async (
  run: RunBaseBackupOptions,
  prompted: { password?: string },
): Promise<{ connection: PgConnection; params: Record<string, string> }> => {
  const { connection: flags } = run.options;
  const overrides: Record<string, string> = {};
  if (flags.host !== undefined) overrides['host'] = flags.host;
  if (flags.port !== undefined) overrides['port'] = flags.port;
  if (flags.username !== undefined) overrides['user'] = flags.username;
  if (flags.passwordMode === 'prompt' && prompted.password === undefined) {
    prompted.password = await promptPassword({ prompt: 'Password: ', ...(run.signal ? { signal: run.signal } : {}) });
  }
  if (prompted.password !== undefined) overrides['password'] = prompted.password;
  const resolved = resolveConnection({
    ...(flags.dbname === undefined ? {} : { connString: flags.dbname }),
    overrides,
    replication: 'true',
    fallbackApplicationName: run.programName ?? 'basebackup',
    env: run.env,
  });
  const connection = await connect({
    resolved,
    ...(flags.passwordMode === 'never' ? {} : {
      promptPassword: async () => {
        prompted.password = await promptPassword({ prompt: 'Password: ' });
        return prompted.password;
      },
    }),
    ...(run.signal === undefined ? {} : { signal: run.signal }),
    onWarning: (message) => run.reporter.warning(message),
  });
  const params: Record<string, string> = { ...resolved.params };
  // libpq reports a typed-in password as part of the connection (pg_basebackup -R writes it).
  if (prompted.password !== undefined) {
    params['password'] = prompted.password;
    delete params['passfile'];
  }
  // Debian's libpq (GSSAPI built in) reports gssencmode=prefer when none was given.
  if (resolved.sources['gssencmode'] === 'default') params['gssencmode'] = 'prefer';
  return { connection, params };
};
