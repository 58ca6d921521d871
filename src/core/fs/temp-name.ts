import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * This host's name as it appears in temporary file names: letters, digits and dashes only
 * (a name cannot then be split wrongly at its dots), at most 40 characters.
 */
export const tempHostTag = (host: string = hostname()): string =>
  host.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40) || 'host';

/**
 * A unique temporary path next to `finalPath` (same directory, so rename and link stay on
 * one file system): `.<name>.<host>.<pid>.<random>.tmp`. The leading dot keeps it out of the
 * way of tools that scan the directory for WAL names; host and pid say who wrote it, so a
 * writer that died can be told from one still at work (stale-temp-files.ts).
 */
export const tempPathFor = (finalPath: string): string =>
  join(dirname(finalPath), `.${basename(finalPath)}.${tempHostTag()}.${process.pid}.${randomTag()}.tmp`);

/**
 * 48 random bits, as 12 hex digits. Math.random, not node:crypto (whose loading costs a hook
 * ~5 ms): the tag only keeps one process's temporary files apart, and every temporary file
 * is created exclusively (O_EXCL), so a guessed name can make a create fail, never redirect it.
 */
const randomTag = (): string =>
  Math.floor(Math.random() * 2 ** 24).toString(16).padStart(6, '0') +
  Math.floor(Math.random() * 2 ** 24).toString(16).padStart(6, '0');

export interface TempNameParts {
  readonly finalName: string;
  readonly host: string;
  readonly pid: number;
}

const TEMP_NAME = /^\.(.+)\.([A-Za-z0-9-]{1,40})\.(\d{1,10})\.[0-9a-f]{12}\.tmp$/;

/** The parts of one of our temporary names, or undefined for any other name. */
export const parseTempName = (name: string): TempNameParts | undefined => {
  const match = TEMP_NAME.exec(name);
  if (match === null) return undefined;
  const [, finalName = '', host = '', pid = ''] = match;
  return { finalName, host, pid: Number(pid) };
};
