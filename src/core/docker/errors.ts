import { type ErrorCode, WarmstandbyError, type ErrorOptions } from '../errors.js';

/**
 * Exit statuses shared by the Docker tools. 1 is a refusal or a finding (the daemon or its
 * configuration is not in a state we may change safely), 3 means the daemon could not be
 * reached at all, 4 that the configuration file could not be read or written.
 */
export const DockerExitStatus = {
  refused: 1,
  unreachable: 3,
  fileAccess: 4,
} as const;

/** The daemon's socket could not be reached: absent, refused, timed out or not permitted. */
export class DaemonUnreachableError extends WarmstandbyError {
  constructor(message: string, options: ErrorOptions & { readonly code?: ErrorCode } = {}) {
    super(options.code ?? 'daemon-unreachable', message, {
      exitStatus: DockerExitStatus.unreachable,
      ...options,
    });
  }
}

/** The Engine API answered with an error status. */
export class DockerApiError extends WarmstandbyError {
  readonly statusCode: number;
  constructor(message: string, statusCode: number, options: ErrorOptions = {}) {
    super('docker-api', message, { exitStatus: DockerExitStatus.refused, ...options });
    this.statusCode = statusCode;
  }
}

/** daemon.json is not something dockerd would accept: invalid JSON, unknown key, bad type. */
export class DaemonConfigError extends WarmstandbyError {
  readonly path: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    where: { readonly path: string; readonly line?: number; readonly column?: number },
    options: ErrorOptions = {},
  ) {
    super(code, message, { exitStatus: DockerExitStatus.refused, ...options });
    this.path = where.path;
    this.line = where.line;
    this.column = where.column;
  }
}

/** A safety rule forbids the requested change (swarm node, flag conflict, Windows, ...). */
export class RefusedError extends WarmstandbyError {
  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, { exitStatus: DockerExitStatus.refused, ...options });
  }
}
