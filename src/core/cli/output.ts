import { Chalk, type ChalkInstance } from 'chalk';
import { programNameOf, type ToolIO } from './io.js';

/**
 * The one place that writes to the terminal. Colour only on a TTY and never with NO_COLOR
 * (https://no-color.org: any non-empty value); FORCE_COLOR is honoured for tests.
 */
export interface Output {
  readonly tool: string;
  readonly color: ChalkInstance;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** A plain line on stdout. */
  print(line: string): void;
  /** A diagnostic line on stderr, prefixed like the PostgreSQL tools: `tool: message`. */
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  hint(message: string): void;
  /** `--json` output: one JSON document on stdout. */
  json(value: unknown): void;
}

export const colorLevel = (io: Pick<ToolIO, 'env'>, isTTY: boolean): 0 | 1 | 2 | 3 => {
  const { NO_COLOR, FORCE_COLOR } = io.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return 0;
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '' && FORCE_COLOR !== '0') return 1;
  return isTTY ? 1 : 0;
};

/**
 * Text from outside (server and Docker messages, file names) may carry terminal control
 * sequences: an ESC in an error message could rewrite the operator's screen or title. Every
 * control character but tab becomes a visible \xNN; line breaks become spaces, since each
 * message is one line.
 */
export const withoutControlChars = (text: string): string =>
  text
    .replace(/\r?\n/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * The streams (and whether they are terminals) are looked up on first use: a hook that
 * succeeds silently never builds process.stdout or process.stderr, which for a pipe (a
 * server's log) would load node:net and the streams (io.ts).
 */
export const createOutput = (ownName: string, io: ToolIO): Output => {
  const tool = programNameOf(io, ownName);
  let stdoutColor: ChalkInstance | undefined;
  let stderrColor: ChalkInstance | undefined;
  const errColor = (): ChalkInstance => (stderrColor ??= new Chalk({ level: colorLevel(io, io.stderr.isTTY === true) }));
  const toStderr = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  return {
    tool,
    get color() {
      return (stdoutColor ??= new Chalk({ level: colorLevel(io, io.stdout.isTTY === true) }));
    },
    get stdoutIsTTY() {
      return io.stdout.isTTY === true;
    },
    get stderrIsTTY() {
      return io.stderr.isTTY === true;
    },
    print: (line) => {
      io.stdout.write(`${line}\n`);
    },
    log: (message) => toStderr(`${tool}: ${withoutControlChars(message)}`),
    warn: (message) => toStderr(`${tool}: ${errColor().yellow('warning')}: ${withoutControlChars(message)}`),
    error: (message) => toStderr(`${tool}: ${errColor().red.bold('error')}: ${withoutControlChars(message)}`),
    hint: (message) => toStderr(`${tool}: ${errColor().cyan('hint')}: ${withoutControlChars(message)}`),
    json: (value) => {
      io.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
    },
  };
};

/** bigint (LSNs, byte counts) is not JSON: print it as a decimal string. */
const jsonReplacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;
