import { ValidationError } from '../../errors.js';
import { parseSegmentSizeSetting } from '../../wal/segment-size.js';
import type { PgConnection } from '../connection/pg-connection.js';
import { showSetting } from './commands.js';

/**
 * The facts about a server that basebackup and receivewal read before they write anything,
 * read the way pg_basebackup and pg_receivewal read them (RetrieveWalSegSize,
 * RetrieveDataDirCreatePerm), in one place.
 */

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
