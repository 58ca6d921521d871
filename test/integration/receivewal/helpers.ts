import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { main } from '../../../src/tools/receivewal/cli.js';
import { captureIO } from '../../harness/capture-io.js';
import { REPO_ROOT } from '../../harness/pg/binaries.js';
import { baseEnv, requireTool, runProcess, type PgCluster, type RunResult } from '../../harness/pg/index.js';

/** Connection flags for a cluster (unix socket, superuser); the password goes in the environment. */
export const connectionArgs = (cluster: PgCluster): string[] => ['-h', cluster.host, '-p', String(cluster.port), '-U', 'postgres', '-w'];

export const clientEnv = (cluster: PgCluster, extra: Record<string, string> = {}): Record<string, string> =>
  baseEnv({ PGPASSWORD: cluster.superuserPassword, NO_COLOR: '1', ...extra });

export interface InProcessRun {
  readonly code: number;
  readonly stderr: string;
  readonly stdout: string;
}

/** Runs receivewal's job in this process (what the CLI does, without spawning). */
export const receivewalInProcess = async (
  args: readonly string[],
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<InProcessRun> => {
  const io = captureIO('/', env);
  const code = await main(args, { ...io, env, ...(signal === undefined ? {} : { signal }) });
  return { code, stdout: io.out(), stderr: io.err() };
};

/** The built binary (npm run build first), for tests where signals or kill -9 matter. */
export const spawnReceivewal = (args: readonly string[], env: Record<string, string>): ChildProcess & { output: () => string } => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'receivewal'), ...args], {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  return Object.assign(child, { output: () => text });
};

export const exitOf = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

export const pgReceivewal = (args: readonly string[], env: Record<string, string>): Promise<RunResult> =>
  runProcess(requireTool('pg_receivewal'), args, { env, timeoutMs: 300_000 });

export const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** A file's content, decompressed by the reference tools when its name says it is compressed. */
export const decompressedContent = (path: string): Buffer => {
  if (path.endsWith('.gz') || path.endsWith('.gz.partial')) return gunzipSync(readFileSync(path));
  if (path.endsWith('.lz4') || path.endsWith('.lz4.partial')) {
    return execFileSync(requireTool('lz4'), ['-dc', path], { maxBuffer: 1 << 30 });
  }
  if (path.endsWith('.zst') || path.endsWith('.zst.partial')) {
    return execFileSync(requireTool('zstd'), ['-dcq', path], { maxBuffer: 1 << 30 });
  }
  return readFileSync(path);
};

/** Puts a copy of the server's segment `name` into `dir`, so a receiver resumes after it. */
export const seedSegment = (cluster: PgCluster, name: string, dir: string): void => {
  copyFileSync(join(cluster.walDir, name), join(dir, name));
};

/** The segment name holding `lsn` on timeline 1 (16-hex high/low like the server's). */
export const segmentNameOf = (timeline: number, lsn: bigint, segSize: number): string => {
  const segno = lsn / BigInt(segSize);
  const perId = 0x1_0000_0000n / BigInt(segSize);
  const hex = (v: bigint | number): string => v.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segno / perId)}${hex(segno % perId)}`;
};
