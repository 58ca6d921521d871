import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { publishNoReplace, writeTempFile } from '../fs/durable.js';
import { errnoOf, fileSystemError } from '../fs/fs-error.js';
import type { SyncOptions } from '../fs/sync.js';
import { tempPathFor } from '../fs/temp-name.js';

/**
 * A WAL archive remembers the database system it belongs to in this small file, written
 * once by the first archivewal push. Its name starts with a dot and is no WAL name, so
 * archive cleaners (ours and pg_archivecleanup) never remove it.
 */
export const ARCHIVE_SYSTEM_ID_FILE = '.warmstandby-system-identifier';

const systemIdPattern = /^\d{1,20}$/;

/** The system identifier recorded in `archive`, or undefined when none is recorded yet. */
export async function readArchiveSystemId(archive: string): Promise<string | undefined> {
  const path = join(archive, ARCHIVE_SYSTEM_ID_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw fileSystemError(error, 'read the archive system identifier', path);
  }
  const id = text.trim();
  if (!systemIdPattern.test(id)) {
    throw new ValidationError('invalid-archive-system-id', `Cannot use archive "${archive}": ${ARCHIVE_SYSTEM_ID_FILE} holds no system identifier`);
  }
  return id;
}

/**
 * Records `systemId` unless the archive already has one; returns the identifier the archive
 * holds afterwards. Publishing cannot overwrite, so concurrent first pushes agree on one.
 */
export async function recordArchiveSystemId(archive: string, systemId: string, options: SyncOptions = {}): Promise<string> {
  const existing = await readArchiveSystemId(archive);
  if (existing !== undefined) return existing;
  const path = join(archive, ARCHIVE_SYSTEM_ID_FILE);
  const tmp = tempPathFor(path);
  await writeTempFile(tmp, `${systemId}\n`, { ...options, mode: 0o644 });
  const outcome = await publishNoReplace(tmp, path, options);
  if (outcome === 'published') return systemId;
  const winner = await readArchiveSystemId(archive);
  if (winner === undefined) throw new ValidationError('invalid-archive-system-id', `Cannot read ${path} after it appeared`);
  return winner;
}
