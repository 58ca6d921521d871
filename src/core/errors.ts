/**
 * Typed errors shared by every layer. Core code throws these; only the CLI layer turns them
 * into a message on stderr and an exit status (see src/core/cli/run-tool.ts).
 *
 * `code` is a stable string that scripts and tests can match on; `exitStatus` is what the
 * tool exits with when this error reaches the entry point; `hint` is an optional second
 * sentence telling the user what to do about it.
 */
export interface ErrorOptions {
  readonly exitStatus?: number;
  readonly hint?: string;
  readonly cause?: unknown;
}

// A brand, not only the class: the hooks' quick paths (dist/quick/*.cjs) carry their own copy
// of this module, and an error thrown there is reported by the tool loaded from dist/.
const BRAND = Symbol.for('warmstandby.error');

export class WarmstandbyError extends Error {
  readonly [BRAND] = true;
  readonly code: string;
  readonly exitStatus: number;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitStatus = options.exitStatus ?? 1;
    this.hint = options.hint;
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
  constructor(code: string, message: string, path: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.path = path;
  }
}

/** Input from outside (a file name, an archive member, a WAL page) failed validation. */
export class ValidationError extends WarmstandbyError {
  constructor(code: string, message: string, options: ErrorOptions = {}) {
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

export const isWarmstandbyError = (value: unknown): value is WarmstandbyError =>
  value instanceof Error && (value as Partial<Record<typeof BRAND, unknown>>)[BRAND] === true;
