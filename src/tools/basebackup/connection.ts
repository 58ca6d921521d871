import { openConnection } from '../../core/cli/open-connection.js';
import { type ErrorCode, WarmstandbyError } from '../../core/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import type { RunBaseBackupOptions } from './run-options.js';

export class BackupError extends WarmstandbyError {
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(code, message, hint === undefined ? { exitStatus: 1 } : { exitStatus: 1, hint });
  }
}

/** Connects as pg_basebackup does: replication=true, its libpq precedence, -W / -w. */
export const openReplicationConnection = async (
  run: RunBaseBackupOptions,
  prompted: { password?: string },
): Promise<{ connection: PgConnection; params: Record<string, string> }> => {
  const { connection, resolved } = await openConnection({
    flags: run.options.connection,
    env: run.env,
    ...(run.signal === undefined ? {} : { signal: run.signal }),
    applicationName: run.programName ?? 'basebackup',
    replication: true,
    onWarning: (message) => run.reporter.warning(message),
    typed: prompted,
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
