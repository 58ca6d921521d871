import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The system identifier in the pg_control file of the data directory `dataDir`, or undefined
 * when the file cannot be read. It is the file's first field (a uint64 in the host's byte order)
 * in every major, so a hook that needs nothing else reads 8 bytes, without the CRC check and
 * the per-version layout of control-file.ts (and its native CRC module).
 */
export const readControlSystemId = (dataDir: string): string | undefined => {
  try {
    const fd = openSync(join(dataDir, 'global', 'pg_control'), 'r');
    try {
      const head = Buffer.alloc(8);
      return readSync(fd, head, 0, 8, 0) === 8 ? head.readBigUInt64LE(0).toString() : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
};
