import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * A unique temporary path next to `finalPath` (same directory, so rename and link stay on
 * one file system): `.<name>.<pid>.<random>.tmp`. The leading dot keeps it out of the way of
 * tools that scan the directory for WAL names.
 */
export const tempPathFor = (finalPath: string): string =>
  join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/** Whether a directory entry is one of our temporary files (for clean-up scans). */
export const isTempName = (name: string): boolean => /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
