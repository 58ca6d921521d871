import { ValidationError } from '../../core/errors.js';

/**
 * synchronous_standby_names, read as the server reads it (its scanner and grammar in
 * src/backend/replication): `FIRST n (a, b)` and `n (a, b)` choose by priority, `ANY n (a, b)`
 * by quorum, a plain list means `FIRST 1 (list)`, `*` matches any standby, and names match
 * application_name case-insensitively, quoted or not.
 */
export interface SyncStandbyConfig {
  readonly method: 'priority' | 'quorum';
  readonly required: number;
  readonly names: readonly string[];
}

type Token =
  | { readonly kind: 'name' | 'num'; readonly text: string }
  | { readonly kind: 'first' | 'any' | ',' | '(' | ')' };

// The server's identifier: a letter, underscore or byte above 0x7f, then those, digits and $.
const identifier = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/;

const syntaxError = (text: string, why: string): ValidationError =>
  new ValidationError('sync-names-syntax', `synchronous_standby_names "${text}" cannot be read: ${why}`);

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  let rest = text;
  while (rest.length > 0) {
    const space = /^[ \t\n\r\f\v]+/.exec(rest);
    if (space !== null) {
      rest = rest.slice(space[0].length);
      continue;
    }
    const first = rest[0] as string;
    if (first === '"') {
      // A quoted name ends at the first lone quote; "" inside stands for one quote.
      let name = '';
      let at = 1;
      for (;;) {
        const quote = rest.indexOf('"', at);
        if (quote < 0) throw syntaxError(text, 'unterminated quoted identifier');
        name += rest.slice(at, quote);
        if (rest[quote + 1] === '"') {
          name += '"';
          at = quote + 2;
          continue;
        }
        rest = rest.slice(quote + 1);
        break;
      }
      tokens.push({ kind: 'name', text: name });
      continue;
    }
    if (first === ',' || first === '(' || first === ')') {
      tokens.push({ kind: first });
      rest = rest.slice(1);
      continue;
    }
    if (first === '*') {
      tokens.push({ kind: 'name', text: '*' });
      rest = rest.slice(1);
      continue;
    }
    const digits = /^[0-9]+/.exec(rest);
    if (digits !== null) {
      tokens.push({ kind: 'num', text: digits[0] });
      rest = rest.slice(digits[0].length);
      continue;
    }
    const word = identifier.exec(rest);
    if (word === null) throw syntaxError(text, `unexpected character "${first}"`);
    // The keywords win only when the whole word is the keyword: "anyone" is a name.
    const lower = word[0].toLowerCase();
    tokens.push(lower === 'first' || lower === 'any' ? { kind: lower } : { kind: 'name', text: word[0] });
    rest = rest.slice(word[0].length);
  }
  return tokens;
};

/** Standby names separated by commas, up to the closing parenthesis or the end. */
const readList = (text: string, tokens: readonly Token[], from: number): { names: string[]; next: number } => {
  const names: string[] = [];
  let at = from;
  for (;;) {
    const token = tokens[at];
    // A number is a valid standby name too (the grammar takes NAME or NUM).
    if (token === undefined || (token.kind !== 'name' && token.kind !== 'num')) {
      throw syntaxError(text, 'a standby name was expected');
    }
    names.push(token.text);
    at += 1;
    if (tokens[at]?.kind !== ',') return { names, next: at };
    at += 1;
  }
};

/** null when synchronous replication is off (an empty setting). */
export const parseSyncStandbyNames = (text: string): SyncStandbyConfig | null => {
  const tokens = tokenize(text);
  if (tokens.length === 0) return null;
  let method: SyncStandbyConfig['method'] = 'priority';
  let at = 0;
  const lead = tokens[0];
  if (lead?.kind === 'first' || lead?.kind === 'any') {
    method = lead.kind === 'any' ? 'quorum' : 'priority';
    at = 1;
    if (tokens[at]?.kind !== 'num') throw syntaxError(text, `a number must follow ${lead.kind.toUpperCase()}`);
  }
  const count = tokens[at];
  if (count?.kind === 'num' && tokens[at + 1]?.kind === '(') {
    const { names, next } = readList(text, tokens, at + 2);
    if (tokens[next]?.kind !== ')' || next + 1 !== tokens.length) throw syntaxError(text, 'expected ")" at the end');
    const required = Number(count.text);
    if (!(required > 0)) throw syntaxError(text, 'the number of synchronous standbys must be greater than zero');
    return { method, required, names };
  }
  if (at !== 0) throw syntaxError(text, 'expected "(" after the number');
  const { names, next } = readList(text, tokens, 0);
  if (next !== tokens.length) throw syntaxError(text, 'unexpected text after the list');
  return { method: 'priority', required: 1, names };
};

// The server compares with pg_strcasecmp: ASCII letters only fold.
const asciiLower = (text: string): string => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * The priority the server gives a standby of this application_name: its 1-based place in
 * the list (the first match, `*` matching any), 0 when not listed; every listed standby has
 * priority 1 under ANY.
 */
export const standbyPriority = (config: SyncStandbyConfig, applicationName: string): number => {
  const wanted = asciiLower(applicationName);
  const index = config.names.findIndex((name) => name === '*' || asciiLower(name) === wanted);
  if (index < 0) return 0;
  return config.method === 'quorum' ? 1 : index + 1;
};
