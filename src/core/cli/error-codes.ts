/** Codes of the CLI plumbing every tool shares. */
export const CliErrorCode = {
  /** SIGINT or SIGTERM ended the job; what it had made is cleaned up. */
  interrupted: 'interrupted',
  /** A detached process could not be started: the tool's own launcher is missing. */
  noShim: 'no-shim',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

declare module '../errors.js' {
  interface ErrorCodeTables {
    cli: typeof CliErrorCode;
  }
}
