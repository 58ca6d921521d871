import { ConninfoError, ConninfoErrorCode } from './conninfo-error.js';
import { parseConnUri, uriPrefixLength } from './parse-uri.js';
import { storeKeyword } from './store.js';

/** True when libpq would read `text` as a connection string rather than a database name. */
export const isConnectionString = (text: string): boolean =>
  uriPrefixLength(text) > 0 || text.includes('=');

/**
 * Parses a connection string in either of libpq's forms: `postgresql://` / `postgres://`
 * URIs, or `keyword = value` pairs. Returns only what the text says (no defaults, no
 * environment). Throws ConninfoError; no message ever contains a password.
 */
export function parseConnString(text: string): Record<string, string> {
  return uriPrefixLength(text) > 0 ? parseConnUri(text) : parseKeywordValue(text);
}

// C's isspace() in the "C" locale, which is what libpq's parser sees.
const isSpace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';

const SECRET = new Set(['password', 'sslpassword']);

const parseKeywordValue = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  // Once a password was given, a stray word could be a piece of it: never echo words then.
  let afterSecret = false;
  let i = 0;
  while (i < text.length) {
    if (isSpace(text[i])) {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < text.length && text[i] !== '=' && !isSpace(text[i])) i++;
    const name = text.slice(nameStart, i);
    while (i < text.length && isSpace(text[i])) i++;
    if (text[i] !== '=') {
      const shown = afterSecret ? '(hidden: it follows a password)' : `"${name}"`;
      throw new ConninfoError(
        ConninfoErrorCode.syntax,
        `missing "=" after ${shown} in connection info string`,
        undefined,
        { hint: 'Write keyword=value pairs; quote values that hold spaces with single quotes.' },
      );
    }
    i++;
    while (i < text.length && isSpace(text[i])) i++;
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new ConninfoError(
            ConninfoErrorCode.syntax,
            'unterminated quoted string in connection info string',
          );
        }
        const ch = text[i] as string;
        if (ch === '\\') {
          i++;
          if (i < text.length) value += text[i++];
          continue;
        }
        if (ch === "'") {
          i++;
          break;
        }
        value += ch;
        i++;
      }
    } else {
      while (i < text.length && !isSpace(text[i])) {
        if (text[i] === '\\') {
          i++;
          if (i < text.length) value += text[i++];
        } else {
          value += text[i++];
        }
      }
    }
    storeKeyword(out, name, value, (shown) => `invalid connection option ${quoteShown(shown)}`, afterSecret);
    if (SECRET.has(name)) afterSecret = true;
  }
  return out;
};

const quoteShown = (shown: string): string => (shown.startsWith('(') ? shown : `"${shown}"`);
