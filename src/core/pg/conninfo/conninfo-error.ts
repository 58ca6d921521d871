import { type ErrorOptions, WarmstandbyError } from '../../errors.js';

/**
 * Stable codes for everything that can be wrong with connection parameters. Messages follow
 * libpq's wording where scripts grep for it, and never contain a password: values are only
 * quoted for keywords whose values are not secret (see `quotableValue`).
 */
export const ConninfoErrorCode = {
  syntax: 'conninfo-syntax',
  unknownKeyword: 'conninfo-unknown-keyword',
  invalidValue: 'conninfo-invalid-value',
  hostMismatch: 'conninfo-host-mismatch',
  unknownUser: 'conninfo-unknown-user',
} as const;
export type ConninfoErrorCode = (typeof ConninfoErrorCode)[keyof typeof ConninfoErrorCode];

declare module '../../errors.js' {
  interface ErrorCodeTables {
    conninfo: typeof ConninfoErrorCode;
  }
}

export class ConninfoError extends WarmstandbyError {
  /** The libpq keyword at fault, when there is one. */
  readonly keyword: string | undefined;

  constructor(code: ConninfoErrorCode, message: string, keyword?: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.keyword = keyword;
  }
}

const SECRET_KEYWORDS: ReadonlySet<string> = new Set(['password', 'sslpassword']);

/** A value fit to appear in an error message: secrets are never echoed. */
export const quotableValue = (keyword: string, value: string): string =>
  SECRET_KEYWORDS.has(keyword) ? '(hidden)' : `"${value}"`;
