import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ToolIO } from '../../../src/core/cli/io.js';
import { main } from '../../../src/tools/basebackup/cli.js';
import { PgCluster } from '../../harness/pg/cluster.js';
import {
  baseEnv, chownToServerUser, findFreePort, makeTempDir, requirePg, requireTool, runProcess, type RunResult,
} from '../../harness/pg/index.js';

/** Socket connection flags; the password travels in PGPASSWORD (see clientEnv). */
export const connectionArgs = (cluster: PgCluster): string[] =>
  ['-h', cluster.host, '-p', String(cluster.port), '-U', 'postgres', '-w'];

export const clientEnv = (cluster: PgCluster, extra: Record<string, string> = {}): Record<string, string> =>
  baseEnv({ PGPASSWORD: cluster.superuserPassword, NO_COLOR: '1', ...extra });

export interface Run {
  readonly code: number;
  readonly stderr: string;
  readonly stdout: string;
}

/** basebackup's CLI in this process; `stdoutFile` receives standard output (for -D -). */
export const basebackup = async (
  args: readonly string[],
  env: Record<string, string>,
  options: { readonly stdoutFile?: string; readonly signal?: AbortSignal } = {},
): Promise<Run> => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  let fileDone: Promise<void> | undefined;
  if (options.stdoutFile === undefined) {
    stdout.on('data', (c: Buffer) => (out += c.toString()));
  } else {
    const file = createWriteStream(options.stdoutFile);
    stdout.pipe(file);
    fileDone = new Promise((resolve) => file.on('close', () => resolve()));
  }
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const io: ToolIO = { stdout, stderr, env, cwd: '/', ...(options.signal === undefined ? {} : { signal: options.signal }) };
  const code = await main(args, io);
  stdout.end();
  await fileDone;
  return { code, stdout: out, stderr: err };
};

export const pgVerifybackup = (dir: string, parseWal: boolean): Promise<RunResult> =>
  runProcess(requireTool('pg_verifybackup'), [...(parseWal ? [] : ['-n']), dir], { timeoutMs: 300_000 });

/** pg_verifybackup 15 reads manifest version 1 only (servers 13-16). */
export const oracleReadsManifest = (major: number): boolean => major <= 16;

/** Extracts a tar (compressed ones through the system tools) into `dir`. */
export const extractTar = async (archive: string, dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true });
  const flags = archive.endsWith('.gz') ? ['-z'] : archive.endsWith('.zst') ? ['--zstd'] : [];
  if (archive.endsWith('.lz4')) {
    const plain = `${archive}.extracted.tar`;
    const lz4 = await runProcess(requireTool('lz4'), ['-d', '-q', '-f', archive, plain]);
    if (lz4.code !== 0) throw new Error(`lz4 -d ${archive}: ${lz4.stderr}`);
    archive = plain;
  }
  const result = await runProcess('tar', [...flags, '-xf', archive, '-C', dir]);
  if (result.code !== 0) throw new Error(`tar -xf ${archive}: ${result.stderr}`);
};

/** A fresh temp dir for a backup (owned by the server account, so a standby can use it). */
export const backupDir = (label: string): { base: string; data: string } => {
  const base = makeTempDir(`ws-bb-${label}-`);
  return { base, data: join(base, 'data') };
};

/**
 * A cluster over a data directory our basebackup wrote under `base` (base/data): the
 * harness gives it its own port and socket directory; the recovery settings are whatever
 * the backup holds (-R). Files are handed to the server account first.
 */
export const clusterFromBackup = async (upstream: PgCluster, base: string, name: string): Promise<PgCluster> => {
  await mkdir(join(base, 'sock'), { recursive: true });
  await chownToServerUser(base);
  return new PgCluster(
    {
      name,
      binaries: requirePg(upstream.major),
      baseDir: base,
      superuserPassword: upstream.superuserPassword,
      user: upstream.user,
      walSegmentSize: upstream.walSegmentSize,
      upstream,
    },
    { ...upstream.settings, port: await findFreePort(), socketDir: join(base, 'sock'), recovery: [] },
  );
};

/** A checksum of a table's contents, compared between primary and standby. */
export const tableChecksum = (cluster: PgCluster, table: string): Promise<string> =>
  cluster.sql(`SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM ${table} t`);
