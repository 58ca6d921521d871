import { baseEnv, runProcess } from './run-process.js';
import type { RunResult } from './run-process.js';
import { requireTool } from './require-pg.js';

/** Where and as whom psql connects. The password travels in PGPASSWORD, never in argv. */
export interface PsqlTarget {
  /** A socket directory (starts with /) or a TCP host. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dbname?: string;
  readonly password?: string;
  /** Extra libpq keywords (sslmode, sslrootcert, replication...), written into the conninfo string. */
  readonly params?: Readonly<Record<string, string>>;
}

const NULL_MARK = '\u0001NULL\u0001';

function quoteConninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A libpq keyword=value string (no password: psql gets it from PGPASSWORD). */
export function conninfoString(target: PsqlTarget): string {
  const params: Record<string, string> = {
    host: target.host,
    port: String(target.port),
    user: target.user,
    dbname: target.dbname ?? 'postgres',
    connect_timeout: '10',
    ...target.params,
  };
  return Object.entries(params)
    .map(([key, value]) => `${key}=${quoteConninfoValue(value)}`)
    .join(' ');
}

/**
 * Runs SQL (read from stdin, so nothing secret lands in argv) with `psql -X -q -At -v
 * ON_ERROR_STOP=1`; returns psql's raw result for tests that inspect failures.
 */
export function runPsql(target: PsqlTarget, sql: string, extraArgs: readonly string[] = []): Promise<RunResult> {
  const env = baseEnv({
    PGAPPNAME: 'ws-test-harness',
    ...(target.password === undefined ? {} : { PGPASSWORD: target.password }),
  });
  return runProcess(requireTool('psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-w', ...extraArgs, '-d', conninfoString(target), '-f', '-'], {
    env,
    input: sql,
    timeoutMs: 120_000,
  });
}

/** Like runPsql but throws on failure, with `secrets` replaced by *** in the message. */
export async function psqlText(target: PsqlTarget, sql: string, secrets: readonly string[] = []): Promise<string> {
  const result = await runPsql(target, sql);
  if (result.code !== 0) {
    let message = result.stderr.trim();
    for (const secret of secrets) if (secret !== '') message = message.split(secret).join('***');
    throw new Error(`psql failed on ${target.host}:${target.port}: ${message}`);
  }
  return result.stdout.replace(/\n$/, '');
}

const FIELD_SEPARATOR = '\u001f';
const RECORD_SEPARATOR = '\u001e';

/** Rows of one query as arrays of text (null for SQL NULL). */
export async function psqlRows(target: PsqlTarget, sql: string): Promise<(string | null)[][]> {
  const result = await runPsql(target, sql, ['-F', FIELD_SEPARATOR, '-R', RECORD_SEPARATOR, '-P', `null=${NULL_MARK}`]);
  if (result.code !== 0) throw new Error(`psql failed on ${target.host}:${target.port}: ${result.stderr.trim()}`);
  const text = result.stdout.replace(/\n$/, '');
  if (text === '') return [];
  return text.split(RECORD_SEPARATOR).map((record) => record.split(FIELD_SEPARATOR).map((field) => (field === NULL_MARK ? null : field)));
}
