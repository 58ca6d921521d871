import { ValidationError } from '../errors.js';
import type { ArchiveStore } from './archive-store.js';

/**
 * A WAL archive remembers the database system it belongs to under this small name, written
 * once by the first push. It starts with a dot and is no WAL name, so archive cleaners (ours
 * and pg_archivecleanup) never remove it.
 */
export const ARCHIVE_SYSTEM_ID_FILE = '.warmstandby-system-identifier';

const systemIdPattern = /^\d{1,20}$/;
// Twenty digits and a newline; a larger file is refused by the read itself.
const MAX_BYTES = 4096;

/** The system identifier recorded in the archive, or undefined when none is recorded yet. */
export async function readArchiveSystemId(store: ArchiveStore): Promise<string | undefined> {
  const found = await store.read(ARCHIVE_SYSTEM_ID_FILE, MAX_BYTES);
  if (found === undefined) return undefined;
  const id = found.data.toString('utf8').trim();
  if (!systemIdPattern.test(id)) {
    throw new ValidationError('invalid-archive-system-id', `Cannot use archive "${store.location}": ${ARCHIVE_SYSTEM_ID_FILE} holds no system identifier`);
  }
  return id;
}

/**
 * Records `systemId` unless the archive already has one; returns the identifier the archive
 * holds afterwards. Publishing never replaces, so concurrent first pushes agree on one.
 */
export async function recordArchiveSystemId(store: ArchiveStore, systemId: string): Promise<string> {
  const existing = await readArchiveSystemId(store);
  if (existing !== undefined) return existing;
  const data = Buffer.from(`${systemId}\n`);
  const outcome = await store.createIfAbsent({ name: ARCHIVE_SYSTEM_ID_FILE, body: { kind: 'bytes', data }, mode: 0o644 });
  if (outcome === 'created') return systemId;
  const winner = await readArchiveSystemId(store);
  if (winner === undefined) {
    throw new ValidationError('invalid-archive-system-id', `Cannot read ${ARCHIVE_SYSTEM_ID_FILE} in "${store.location}" after it appeared`);
  }
  return winner;
}
