/**
 * Typed errors shared by every layer. Core code throws these; only the CLI layer turns them
 * into a message on stderr and an exit status (see src/core/cli/run-tool.ts).
 *
 * `code` is a stable string that scripts and tests can match on; `exitStatus` is what the
 * tool exits with when this error reaches the entry point; `hint` is an optional second
 * sentence telling the user what to do about it.
 */
/** The codes of the error classes below that fix their own. */
export const CoreErrorCode = {
  /** Bad arguments: UsageError. */
  usage: 'usage',
  /** A peer broke the protocol: ProtocolError. */
  protocol: 'protocol',
} as const;

/**
 * The error catalogue. Each package lists its codes in an `as const` table (its
 * `error-codes.ts`, or beside its error class) and registers that table here by module
 * augmentation (`declare module '../errors.js'`, adding e.g. `wal: typeof WalErrorCode` to
 * ErrorCodeTables), so this file imports nothing and a code that is in no table does not
 * compile. test/unit/error-catalogue.test.ts lists every table, checks each code is in one,
 * and pins each error class's code, exit status and instanceof behaviour.
 */
export interface ErrorCodeTables {
  core: typeof CoreErrorCode;
}
/** Every registered code: the union of the values of every table. */
export type ErrorCode = {
  [Table in keyof ErrorCodeTables]: ErrorCodeTables[Table][keyof ErrorCodeTables[Table]];
}[keyof ErrorCodeTables];

export interface ErrorOptions {
  readonly exitStatus?: number;
  readonly hint?: string;
  readonly cause?: unknown;
}

// A brand, not only the prototype chain: the hooks' quick paths (dist/quick/*.cjs) carry their
// own copies of the error classes, and an error thrown there is judged by the tool loaded
// from dist/. Each error carries the names of its classes; `instanceof` compares names.
const BRAND = Symbol.for('warmstandby.error');
type Branded = { readonly [BRAND]?: unknown };

/** The class names from `target` up to (not including) Error: most derived first. */
const classNamesOf = (target: abstract new (...args: never[]) => unknown): readonly string[] => {
  const names: string[] = [];
  for (let current: unknown = target; typeof current === 'function' && current !== Error; current = Object.getPrototypeOf(current)) {
    names.push((current as { name: string }).name);
  }
  return names;
};

export class WarmstandbyError extends Error {
  readonly [BRAND]: readonly string[];
  readonly code: ErrorCode;
  readonly exitStatus: number;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this[BRAND] = classNamesOf(new.target);
    this.code = code;
    this.exitStatus = options.exitStatus ?? 1;
    this.hint = options.hint;
  }

  /** `error instanceof CompressionError` holds for a CompressionError of any copy of this code. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const names = (value as Branded | null | undefined)?.[BRAND];
    return Array.isArray(names) && names.includes(this.name);
  }
}

/** Bad command-line arguments or option combinations (PostgreSQL tools exit 1 or 2 here). */
export class UsageError extends WarmstandbyError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('usage', message, { exitStatus: 1, ...options });
  }
}

/** A file-system operation failed; `path` says which file. */
export class FileSystemError extends WarmstandbyError {
  readonly path: string;
  constructor(code: ErrorCode, message: string, path: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.path = path;
  }
}

/** Input from outside (a file name, an archive member, a WAL page) failed validation. */
export class ValidationError extends WarmstandbyError {
  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Bytes from a peer that break the protocol. The connection is closed, never skipped. */
export class ProtocolError extends WarmstandbyError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('protocol', message, options);
  }
}

/** What any thrown value says, for a message: an Error's message, else the value as text. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const isWarmstandbyError = (value: unknown): value is WarmstandbyError => value instanceof WarmstandbyError;
