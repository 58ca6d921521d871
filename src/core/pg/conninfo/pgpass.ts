import { readFile, stat } from 'node:fs/promises';

import { DEFAULT_SOCKET_DIRECTORIES } from './environment-probe.js';

export interface PgpassTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

export interface PgpassOptions {
  /** Receives libpq's warnings (insecure permissions, not a plain file); nothing is printed. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Finds the password for `target` in a .pgpass file, as libpq's passwordFromFile does: lines
 * `hostname:port:database:username:password`, `*` matches a whole field, `\` escapes `:` and
 * `\`, lines starting with `#` are comments, the first matching line wins. A file that is
 * missing is ignored silently; one that is not a plain file or that group or others may
 * access is ignored with a warning.
 *
 * A socket directory matches a `localhost` line when it is a default socket directory (libpq
 * does so for its compiled-in one; we have two, see DEFAULT_SOCKET_DIRECTORIES), and also
 * its own path, so lines written for either libpq build work.
 */
export async function lookupPgpass(
  file: string,
  target: PgpassTarget,
  options: PgpassOptions = {},
): Promise<string | undefined> {
  if (target.database === '' || target.user === '' || file === '') return undefined;
  let info;
  try {
    info = await stat(file);
  } catch {
    return undefined;
  }
  if (!info.isFile()) {
    options.onWarning?.(`password file "${file}" is not a plain file`);
    return undefined;
  }
  if ((info.mode & 0o077) !== 0) {
    options.onWarning?.(
      `password file "${file}" has group or world access; permissions should be u=rw (0600) or less`,
    );
    return undefined;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const hostKeys = pgpassHostKeys(target.host);
  const port = String(target.port);
  for (const rawLine of text.split('\n')) {
    if (rawLine.startsWith('#')) continue;
    const line = rawLine.replace(/[\r\n]+$/, '');
    if (line === '') continue;
    for (const host of hostKeys) {
      let rest = matchField(line, host);
      if (rest !== undefined) rest = matchField(rest, port);
      if (rest !== undefined) rest = matchField(rest, target.database);
      if (rest !== undefined) rest = matchField(rest, target.user);
      if (rest !== undefined) return unescapePassword(rest);
    }
  }
  return undefined;
}

/** The host names a target is looked up under, in libpq's terms. */
export const pgpassHostKeys = (host: string): readonly string[] => {
  if (host === '') return ['localhost'];
  const trimmed = host.length > 1 ? host.replace(/\/+$/, '') : host;
  if ((DEFAULT_SOCKET_DIRECTORIES as readonly string[]).includes(trimmed)) return ['localhost', host];
  return [host];
};

/**
 * Matches one field at the start of `line` against `token`; returns what follows the field's
 * `:`, or undefined. `*` alone matches anything; `\x` stands for x.
 */
const matchField = (line: string, token: string): string | undefined => {
  if (line.startsWith('*:')) return line.slice(2);
  let i = 0;
  let t = 0;
  while (i < line.length) {
    let escaped = false;
    if (line[i] === '\\') {
      i++;
      escaped = true;
      if (i >= line.length) return undefined;
    }
    if (line[i] === ':' && !escaped && t === token.length) return line.slice(i + 1);
    if (t === token.length || line[i] !== token[t]) return undefined;
    i++;
    t++;
  }
  return undefined;
};

/** The password runs to the first unescaped `:` or the end of the line. */
const unescapePassword = (rest: string): string => {
  let out = '';
  for (let i = 0; i < rest.length && rest[i] !== ':'; i++) {
    if (rest[i] === '\\' && i + 1 < rest.length) i++;
    out += rest[i];
  }
  return out;
};
