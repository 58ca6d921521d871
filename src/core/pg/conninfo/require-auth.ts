import { ConninfoError, ConninfoErrorCode } from './conninfo-error.js';

/** The methods libpq's require_auth (16+) names; gss and sspi exist in no request we accept. */
const METHODS = ['password', 'md5', 'gss', 'sspi', 'scram-sha-256', 'none'] as const;
export type RequiredAuthMethod = (typeof METHODS)[number];

/** require_auth parsed: the methods a server may use, and the text it was given as. */
export interface AuthRequirement {
  readonly text: string;
  readonly allowed: ReadonlySet<RequiredAuthMethod>;
}

const invalid = (message: string): ConninfoError => new ConninfoError(ConninfoErrorCode.invalidValue, message);

/**
 * libpq's require_auth: a comma-separated list of methods the server may use, or of methods
 * it may not use when every one is negated with `!` (the two kinds cannot be mixed). Empty:
 * no requirement.
 */
export function parseRequireAuth(text: string | undefined): AuthRequirement | undefined {
  if (text === undefined || text === '') return undefined;
  const named = new Set<RequiredAuthMethod>();
  let negated: boolean | undefined;
  for (const part of text.split(',')) {
    const not = part.startsWith('!');
    const method = not ? part.slice(1) : part;
    if (!(METHODS as readonly string[]).includes(method)) throw invalid(`invalid require_auth value: "${method}"`);
    if (negated !== undefined && negated !== not) {
      throw invalid(`negative require_auth method "${method}" cannot be mixed with non-negative methods`);
    }
    negated = not;
    if (named.has(method as RequiredAuthMethod)) throw invalid(`require_auth method "${method}" is specified more than once`);
    named.add(method as RequiredAuthMethod);
  }
  const allowed = negated === true ? new Set(METHODS.filter((m) => !named.has(m))) : named;
  return { text, allowed };
}
