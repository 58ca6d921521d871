import { UsageError } from '../errors.js';
import { canonicalizePath } from './canonical-path.js';

export interface TablespaceMapping {
  readonly oldDir: string;
  readonly newDir: string;
}

const MAXPGPATH = 1024;

const usage = (message: string): UsageError => new UsageError(message);

const isWindowsAbsolute = (path: string): boolean =>
  path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[/\\]/.test(path);

/**
 * One `-T OLDDIR=NEWDIR` argument, parsed as pg_basebackup parses it: `\=` is a literal "=",
 * both sides must be absolute (the old one under Unix or Windows rules, since the server may
 * run on either), and both are canonicalized for comparison.
 */
export const parseTablespaceMapping = (arg: string): TablespaceMapping => {
  let oldDir = '';
  let newDir = '';
  let inNew = false;
  for (let i = 0; i < arg.length; i += 1) {
    const c = arg[i] as string;
    if ((inNew ? newDir : oldDir).length >= MAXPGPATH) throw usage('directory name too long');
    if (c === '\\' && arg[i + 1] === '=') continue;
    if (c === '=' && (i === 0 || arg[i - 1] !== '\\')) {
      if (newDir !== '') throw usage('multiple "=" signs in tablespace mapping');
      inNew = true;
      continue;
    }
    if (inNew) newDir += c;
    else oldDir += c;
  }
  if (oldDir === '' || newDir === '') {
    throw usage(`invalid tablespace mapping format "${arg}", must be "OLDDIR=NEWDIR"`);
  }
  if (!isWindowsAbsolute(oldDir)) {
    throw usage(`old directory is not an absolute path in tablespace mapping: ${oldDir}`);
  }
  if (!newDir.startsWith('/')) {
    throw usage(`new directory is not an absolute path in tablespace mapping: ${newDir}`);
  }
  return { oldDir: canonicalizePath(oldDir), newDir: canonicalizePath(newDir) };
};

/** The directory a server tablespace location maps to (itself when no -T names it). */
export const mapTablespace = (mappings: readonly TablespaceMapping[], location: string): string => {
  const canonical = canonicalizePath(location);
  return mappings.find((m) => m.oldDir === canonical)?.newDir ?? location;
};
