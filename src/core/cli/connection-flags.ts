import { type Command, Option } from 'commander';

/**
 * The connection options every PostgreSQL tool shares, spelled as libpq's front ends spell
 * them. `-d` takes a full connection string (keyword=value or URI) like pg_receivewal's.
 */
export interface ConnectionFlags {
  readonly dbname?: string;
  readonly host?: string;
  readonly port?: string;
  readonly username?: string;
  /** -w: never prompt; -W: prompt before connecting; default: prompt only if the server asks. */
  readonly passwordMode: 'auto' | 'never' | 'prompt';
}

/** `dbname` replaces the plain -d (replstatus takes one per node). */
export const addConnectionOptions = (program: Command, dbname = new Option('-d, --dbname <connstr>', 'connection string')): Command =>
  program
    .addOption(dbname)
    .addOption(new Option('-h, --host <hostname>', 'database server host or socket directory'))
    .addOption(new Option('-p, --port <port>', 'database server port number'))
    .addOption(new Option('-U, --username <name>', 'connect as specified database user'))
    // --password first: commander gives a lone --no-X a default of true, which would read
    // as "prompt" when neither flag was given.
    .addOption(new Option('-W, --password', 'force password prompt (should happen automatically)'))
    .addOption(new Option('-w, --no-password', 'never prompt for password'));

/** Reads the flags back from commander's parsed options. */
export const connectionFlagsFrom = (opts: Record<string, unknown>): ConnectionFlags => {
  const text = (key: string): string | undefined =>
    typeof opts[key] === 'string' ? (opts[key] as string) : undefined;
  const flags: { -readonly [K in keyof ConnectionFlags]: ConnectionFlags[K] } = {
    passwordMode: opts['password'] === false ? 'never' : opts['password'] === true ? 'prompt' : 'auto',
  };
  const dbname = text('dbname');
  const host = text('host');
  const port = text('port');
  const username = text('username');
  if (dbname !== undefined) flags.dbname = dbname;
  if (host !== undefined) flags.host = host;
  if (port !== undefined) flags.port = port;
  if (username !== undefined) flags.username = username;
  return flags;
};
