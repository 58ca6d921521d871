import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import { UsageError } from '../../core/errors.js';

/** Local: signal the postmaster of a data directory. Remote: pg_promote() over SQL. */
export type PromoteTarget = { readonly kind: 'local'; readonly dataDir: string } | { readonly kind: 'remote' };

export interface PromoteOptions {
  readonly target: PromoteTarget;
  /** The server to query for --check, and the one to promote when the target is remote. */
  readonly connection: ConnectionFlags;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  readonly silent: boolean;
  /** Show the replay state first and refuse while replay trails what was received. */
  readonly check: boolean;
  readonly force: boolean;
  /** --check without promoting. */
  readonly dryRun: boolean;
  readonly json: boolean;
}

export const DEFAULT_TIMEOUT_SECONDS = 60;

/** -t and PGCTLTIMEOUT: whole seconds, 0 or more (pg_ctl's default is 60). */
export const parseTimeout = (text: string, source: string): number => {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
    throw new UsageError(`invalid value "${text}" for ${source}: expected a number of seconds`);
  }
  return Number(trimmed);
};

export interface TargetFlags {
  readonly pgdata?: string;
  readonly connection: ConnectionFlags;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * -D names a local data directory and wins. Otherwise -d or -h name a server to promote
 * over SQL. Otherwise PGDATA (as pg_ctl uses it). Otherwise -p or -U alone mean the default
 * server over SQL. With none of these there is nothing to promote.
 */
export const chooseTarget = ({ pgdata, connection, env }: TargetFlags): PromoteTarget => {
  if (pgdata !== undefined && pgdata !== '') return { kind: 'local', dataDir: pgdata };
  if (connection.dbname !== undefined || connection.host !== undefined) return { kind: 'remote' };
  const fromEnv = env['PGDATA'];
  if (fromEnv !== undefined && fromEnv !== '') return { kind: 'local', dataDir: fromEnv };
  if (connection.port !== undefined || connection.username !== undefined) return { kind: 'remote' };
  throw new UsageError('no database directory specified and environment variable PGDATA unset', {
    hint: 'Give a data directory with -D, or a server to promote over SQL with -d or -h.',
  });
};
