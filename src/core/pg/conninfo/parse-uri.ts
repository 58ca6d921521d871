import { ConninfoError, ConninfoErrorCode } from './conninfo-error.js';
import { storeKeyword } from './store.js';

const PREFIXES = ['postgresql://', 'postgres://'] as const;

export const uriPrefixLength = (text: string): number =>
  PREFIXES.find((p) => text.startsWith(p))?.length ?? 0;

/**
 * Which part of the URI a value came from, for error messages: the password part is never
 * echoed, and the whole URI never is (it may hold the password).
 */
type UriPart = 'user' | 'password' | 'host' | 'port' | 'dbname' | 'query';

const hexValue = (ch: string | undefined): number => {
  if (ch === undefined || !/^[0-9A-Fa-f]$/.test(ch)) return -1;
  return Number.parseInt(ch, 16);
};

/**
 * Percent-decodes like libpq's conninfo_uri_decode: `%XY` → byte, `%00` refused, other bytes
 * kept as they are. Decoded bytes are read back as UTF-8 (libpq keeps raw bytes; a Node
 * string cannot, and every PostgreSQL name that matters here is UTF-8 or ASCII).
 */
export const percentDecode = (text: string, part: UriPart): string => {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  const shown = part === 'password' ? 'in the password' : `in ${part} "${text}"`;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] as number;
    if (byte !== 0x25) {
      bytes.push(byte);
      continue;
    }
    const hi = hexValue(String.fromCharCode(raw[i + 1] ?? 0x20));
    const lo = hexValue(String.fromCharCode(raw[i + 2] ?? 0x20));
    if (hi < 0 || lo < 0) {
      throw new ConninfoError(
        ConninfoErrorCode.syntax,
        `invalid percent-encoded token ${shown} of the connection URI`,
      );
    }
    const decoded = (hi << 4) | lo;
    if (decoded === 0) {
      throw new ConninfoError(
        ConninfoErrorCode.syntax,
        `forbidden value %00 in percent-encoded value ${shown} of the connection URI`,
      );
    }
    bytes.push(decoded);
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
};

/**
 * postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...]
 * Follows libpq's conninfo_uri_parse_options step by step, including its quirks (the
 * credentials designator is searched for before the first `/` only; an empty user, password
 * or dbname is the same as none).
 */
export const parseConnUri = (uri: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const text = uri.slice(uriPrefixLength(uri));
  let p = readCredentials(text, out);

  const hosts: string[] = [];
  const ports: string[] = [];
  let terminator: string | undefined;
  for (;;) {
    let host: string;
    if (text[p] === '[') {
      const close = closingBracket(text, p, uriPrefixLength(uri));
      host = text.slice(p + 1, close);
      p = close + 1;
    } else {
      const start = p;
      while (p < text.length && !':/?,'.includes(text[p] as string)) p++;
      host = text.slice(start, p);
    }
    hosts.push(host);
    terminator = text[p];
    let port = '';
    if (terminator === ':') {
      const start = ++p;
      while (p < text.length && !'/?,'.includes(text[p] as string)) p++;
      port = text.slice(start, p);
      terminator = text[p];
    }
    ports.push(port);
    if (terminator !== ',') break;
    p++;
  }
  const hostList = hosts.join(',');
  const portList = ports.join(',');
  // libpq keeps the list only when something is in it: "postgresql://" leaves host unset.
  if (hostList !== '') out['host'] = percentDecode(hostList, 'host');
  if (portList !== '') out['port'] = percentDecode(portList, 'port');

  if (terminator === '/') {
    const start = ++p;
    while (p < text.length && text[p] !== '?') p++;
    const dbname = text.slice(start, p);
    if (dbname !== '') out['dbname'] = percentDecode(dbname, 'dbname');
    terminator = text[p];
  }
  if (terminator === '?') parseQuery(text.slice(p + 1), out);
  return out;
};

/**
 * `user[:password]@`, if the text has it before the first `/` (libpq looks no further), into
 * `out`; returns where the host list starts.
 */
const readCredentials = (text: string, out: Record<string, string>): number => {
  let look = 0;
  while (look < text.length && text[look] !== '@' && text[look] !== '/') look++;
  if (text[look] !== '@') return 0;
  let end = 0;
  while (text[end] !== ':' && text[end] !== '@') end++;
  const user = text.slice(0, end);
  if (user !== '') out['user'] = percentDecode(user, 'user');
  if (text[end] === ':') {
    const passwordEnd = text.indexOf('@', end + 1);
    const password = text.slice(end + 1, passwordEnd);
    if (password !== '') out['password'] = percentDecode(password, 'password');
    end = passwordEnd;
  }
  return end + 1;
};

/** The `]` of an IPv6 host that starts with `[` at `open`, checked as libpq checks it. */
const closingBracket = (text: string, open: number, prefixLength: number): number => {
  const close = text.indexOf(']', open + 1);
  if (close < 0) {
    throw new ConninfoError(
      ConninfoErrorCode.syntax,
      'end of string reached when looking for matching "]" in IPv6 host address in URI',
    );
  }
  if (close === open + 1) {
    throw new ConninfoError(ConninfoErrorCode.syntax, 'IPv6 host address may not be empty in URI');
  }
  const next = text[close + 1];
  if (next !== undefined && next !== ':' && next !== '/' && next !== '?' && next !== ',') {
    throw new ConninfoError(
      ConninfoErrorCode.syntax,
      `unexpected character "${next}" at position ${prefixLength + close + 2} in URI (expected ":" or "/")`,
    );
  }
  return close;
};

const parseQuery = (query: string, out: Record<string, string>): void => {
  let afterSecret = out['password'] !== undefined;
  for (const pair of query === '' ? [] : splitParams(query)) {
    const eq = pair.indexOf('=');
    // libpq names the keyword only (what precedes the first "="), never the value.
    const shownPair = afterSecret ? '(hidden: it follows a password)'
      : `"${eq < 0 ? pair : pair.slice(0, eq)}"`;
    if (eq < 0) {
      throw new ConninfoError(
        ConninfoErrorCode.syntax,
        `missing key/value separator "=" in URI query parameter: ${shownPair}`,
      );
    }
    if (pair.indexOf('=', eq + 1) >= 0) {
      throw new ConninfoError(
        ConninfoErrorCode.syntax,
        `extra key/value separator "=" in URI query parameter: ${shownPair}`,
      );
    }
    let keyword = percentDecode(pair.slice(0, eq), 'query');
    const secret = keyword === 'password' || keyword === 'sslpassword';
    let value = percentDecode(pair.slice(eq + 1), secret ? 'password' : 'query');
    if (keyword === 'ssl' && value === 'true') {
      // libpq's JDBC compatibility spelling.
      keyword = 'sslmode';
      value = 'require';
    }
    storeKeyword(out, keyword, value,
      (shown) => `invalid URI query parameter: ${shown.startsWith('(') ? shown : `"${shown}"`}`, afterSecret);
    if (secret) afterSecret = true;
  }
};

/** Splits on `&` like libpq: an empty pair between two `&` is an error, a trailing `&` is not. */
const splitParams = (query: string): string[] => {
  const parts = query.split('&');
  if (parts.at(-1) === '') parts.pop();
  return parts;
};
