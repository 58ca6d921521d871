// The PostgreSQL connection: connect() and what it returns. See docs/dev/core-api.md.
export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { PgConnection, parseServerVersion } from './pg-connection.js';
export type { CopyBothStream, CopyOutHandlers, CopyOutStream, QueryResult, RawQueryResult } from './pg-connection.js';
export { ConnectionError, ConnectionErrorCode, PgServerError, PgServerErrorCode } from './errors.js';
export type { PgNotice } from './errors.js';
export type { AuthMethodUsed } from './startup.js';
export { DEFAULT_RECEIVE_BUFFER_BYTES } from './message-channel.js';
