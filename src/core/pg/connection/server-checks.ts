import type { ResolvedConnection } from '../conninfo/resolve.js';
import { ConnectionError, ConnectionErrorCode } from './errors.js';
import type { PgConnection } from './pg-connection.js';

/**
 * The C replication tools refuse a server whose timestamps are not 64-bit integers: the
 * replication protocol's times would be misread.
 */
export const checkReplicationParameters = (connection: PgConnection, resolved: ResolvedConnection): void => {
  if (resolved.startupParameters['replication'] === undefined) return;
  const value = connection.parameters.get('integer_datetimes');
  if (value !== 'on') {
    throw new ConnectionError(
      ConnectionErrorCode.unsuitable,
      'integer_datetimes compile flag does not match server',
      { hint: `The server reports integer_datetimes=${value ?? '(nothing)'}; replication needs "on".` },
    );
  }
};

/**
 * target_session_attrs, judged from the ParameterStatus values servers 14+ report
 * (in_hot_standby, default_transaction_read_only), so no query is needed: a physical
 * replication connection could not run one anyway.
 */
export const checkSessionAttributes = (
  connection: PgConnection,
  wanted: ResolvedConnection['targetSessionAttrs'],
): void => {
  if (wanted === 'any') return;
  const standby = connection.parameters.get('in_hot_standby') === 'on';
  const readOnly = standby || connection.parameters.get('default_transaction_read_only') === 'on';
  const refuse = (message: string): never => {
    throw new ConnectionError(ConnectionErrorCode.unsuitable, message);
  };
  if (wanted === 'read-write' && readOnly) refuse('session is read-only');
  if (wanted === 'read-only' && !readOnly) refuse('session is not read-only');
  if (wanted === 'primary' && standby) refuse('server is in hot standby mode');
  if ((wanted === 'standby' || wanted === 'prefer-standby') && !standby) refuse('server is not in hot standby mode');
};
