import { WarmstandbyError } from '../../core/errors.js';
import { PgServerError } from '../../core/pg/connection/errors.js';

/** SQLSTATEs promote answers with its own words. */
const INSUFFICIENT_PRIVILEGE = '42501';
const OBJECT_NOT_IN_PREREQUISITE_STATE = '55000';

export const notInStandby = (why: string): WarmstandbyError =>
  new WarmstandbyError('not-in-standby', 'cannot promote server; server is not in standby mode', { hint: why });

/**
 * Turns the server's refusals of pg_promote() into messages that say what to do: a role
 * without EXECUTE, and a server that is not in recovery (a primary, or already promoted).
 */
export const explainPromoteError = (error: unknown, user: string): unknown => {
  if (!(error instanceof PgServerError)) return error;
  if (error.sqlstate === INSUFFICIENT_PRIVILEGE) {
    return new WarmstandbyError(
      'promote-permission',
      `Cannot promote: role "${user}" may not execute pg_promote() (${error.serverMessage})`,
      {
        cause: error,
        hint:
          'Connect as a superuser, or have one run: GRANT EXECUTE ON FUNCTION ' +
          `pg_catalog.pg_promote(boolean, integer) TO "${user.replace(/"/g, '""')}";`,
      },
    );
  }
  if (error.sqlstate === OBJECT_NOT_IN_PREREQUISITE_STATE && /recovery is not in progress/.test(error.serverMessage)) {
    return notInStandby('The server says: recovery is not in progress (it is a primary, or already promoted).');
  }
  return error;
};
