import { ValidationError } from '../../errors.js';
import { parseSegmentSizeSetting } from '../../wal/segment-size.js';
import type { PgConnection } from '../connection/pg-connection.js';
import { showSetting } from './commands.js';

/**
 * The facts about a server that basebackup and receivewal read before they write anything,
 * read the way pg_basebackup and pg_receivewal read them (RetrieveWalSegSize,
 * RetrieveDataDirCreatePerm), in one place.
 */

/** The majors whose BASE_BACKUP and streaming replication these tools speak. */
export const MIN_SERVER_MAJOR = 10;
export const MAX_SERVER_MAJOR = 18;

/**
 * Whether the server is one these tools can stream from or back up: 'older' or 'newer' than
 * that range, or undefined when it is in it. Each tool words the refusal as its PostgreSQL
 * counterpart does.
 */
export const serverVersionOutOfRange = (connection: PgConnection): 'older' | 'newer' | undefined => {
  const major = Math.floor(connection.serverVersionNum / 10_000);
  if (major < MIN_SERVER_MAJOR) return 'older';
  return major > MAX_SERVER_MAJOR ? 'newer' : undefined;
};

/** The server's version as it reports it, for messages. */
export const serverVersionText = (connection: PgConnection): string =>
  connection.parameters.get('server_version') ?? String(connection.serverVersionNum);

/** wal_segment_size, which must be a power of two from 1 MB to 1 GB. */
export async function readSegmentSize(connection: PgConnection): Promise<number> {
  const text = await showSetting(connection, 'wal_segment_size');
  try {
    return parseSegmentSizeSetting(text);
  } catch {
    throw new ValidationError(
      'segment-size',
      `WAL segment size must be a power of two between 1 MB and 1 GB, but the remote server reported "${text}"`,
    );
  }
}

/** Modes for what we create: group access (data_directory_mode 0750) → 0750/0640, else 0700/0600. */
export interface DataDirectoryModes {
  readonly dirMode: number;
  readonly fileMode: number;
}

/** data_directory_mode (servers 11 and later; earlier ones have no group access). */
export async function readDataDirectoryModes(connection: PgConnection): Promise<DataDirectoryModes> {
  if (connection.serverVersionNum < 110_000) return { dirMode: 0o700, fileMode: 0o600 };
  const text = await showSetting(connection, 'data_directory_mode');
  if (!/^[0-7]+$/.test(text)) throw new ValidationError('directory-mode', `group access flag could not be parsed: ${text}`);
  return (Number.parseInt(text, 8) & 0o070) === 0o050
    ? { dirMode: 0o750, fileMode: 0o640 }
    : { dirMode: 0o700, fileMode: 0o600 };
}
