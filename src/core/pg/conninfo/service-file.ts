import { readFileSync, statSync } from 'node:fs';

import { ConninfoError, ConninfoErrorCode } from './conninfo-error.js';
import { isConnectionKeyword } from './keywords.js';

/** Where Debian's libpq looks for the system-wide service file (its SYSCONFDIR). */
export const SYSTEM_SERVICE_DIRECTORY = '/etc/postgresql-common';

const exists = (path: string): boolean => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};

const syntaxError = (file: string, line: number, what = 'syntax error'): ConninfoError =>
  new ConninfoError(ConninfoErrorCode.syntax, `${what} in service file "${file}", line ${line}`, 'service');

/**
 * The settings of `[service]` in one service file, or undefined when the file has no such
 * section. Lines are `keyword=value` with no spaces around `=`, as libpq reads them; the first
 * setting of a keyword in the section wins.
 */
const readSection = (file: string, service: string): Record<string, string> | undefined => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConninfoError(ConninfoErrorCode.syntax, `service file "${file}" not found`, 'service');
  }
  let inSection = false;
  let found: Record<string, string> | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (inSection) break;
      inSection = line.startsWith(`[${service}]`);
      if (inSection) found = {};
      continue;
    }
    if (!inSection || found === undefined) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw syntaxError(file, n + 1);
    const key = line.slice(0, eq);
    if (key === 'service') throw syntaxError(file, n + 1, 'nested service specifications not supported');
    if (!isConnectionKeyword(key)) throw syntaxError(file, n + 1);
    if (found[key] === undefined) found[key] = line.slice(eq + 1);
  }
  return found;
};

/**
 * libpq's service lookup: PGSERVICEFILE (or ~/.pg_service.conf when it exists), then
 * PGSYSCONFDIR/pg_service.conf (or the system directory). The first file holding the section
 * decides; a service found nowhere is an error.
 */
export const lookupService = (
  service: string,
  env: NodeJS.ProcessEnv,
  home: string | undefined,
): Record<string, string> => {
  const userFile = env['PGSERVICEFILE'] ?? (home === undefined ? undefined : `${home}/.pg_service.conf`);
  if (userFile !== undefined && (env['PGSERVICEFILE'] !== undefined || exists(userFile))) {
    const section = readSection(userFile, service);
    if (section !== undefined) return section;
  }
  const systemFile = `${env['PGSYSCONFDIR'] ?? SYSTEM_SERVICE_DIRECTORY}/pg_service.conf`;
  if (exists(systemFile)) {
    const section = readSection(systemFile, service);
    if (section !== undefined) return section;
  }
  throw new ConninfoError(ConninfoErrorCode.syntax, `definition of service "${service}" not found`, 'service');
};
