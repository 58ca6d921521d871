import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TOOL_PATHS, locatePgBinaries } from '../test/harness/pg/binaries.js';
import { findFreePort } from '../test/harness/pg/ports.js';
import { baseEnv, runProcess } from '../test/harness/pg/run-process.js';
import { makeTempDir } from '../test/harness/pg/temp-dirs.js';

export interface BenchServer {
  readonly host: string;
  readonly port: number;
  readonly walDir: string;
  readonly dataDir: string;
  sql(q: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL 15 server for a benchmark (Debian's 15 tools, the anchors, refuse newer
 * servers): trust auth on a unix socket only, a large max_wal_size and no autovacuum, so the
 * runs measure the tools rather than the server. `extraConf` adds -c settings.
 */
export const startBenchServer = async (prefix: string, extraConf = ''): Promise<BenchServer> => {
  const found = locatePgBinaries(15);
  if (!found.ok) throw new Error(found.reason);
  const pg = found.value;
  const base = makeTempDir(prefix);
  const data = join(base, 'data');
  const port = await findFreePort();
  const must = async (cmd: string, args: string[]): Promise<string> => {
    const r = await runProcess(cmd, args, { asServerUser: true, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await must(pg.initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const opts = `-p ${port} -k ${base} -c listen_addresses='' -c max_wal_size=4GB -c checkpoint_timeout=1h ` +
    `-c shared_buffers=128MB -c autovacuum=off ${extraConf}`;
  await must(pg.pgCtl, ['-D', data, '-o', opts, '-l', join(base, 'server.log'), '-w', 'start']);
  const psqlEnv = baseEnv({ PGHOST: base, PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'postgres' });
  const sql = async (q: string): Promise<string> => {
    const r = await runProcess(TOOL_PATHS.psql, ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', q],
      { env: psqlEnv, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
    return r.stdout.trim();
  };
  const stop = async (): Promise<void> => {
    await runProcess(pg.pgCtl, ['-D', data, '-m', 'immediate', 'stop'], { asServerUser: true });
    await rm(base, { recursive: true, force: true });
  };
  return { host: base, port, walDir: join(data, 'pg_wal'), dataDir: data, sql, stop };
};
