import { join } from 'node:path';
import type { S3Client } from '../../../src/core/archive/s3/s3-client.js';
import { parseListPage } from '../../../src/core/archive/s3/s3-xml.js';
import { baseEnv, runProcess } from '../../harness/pg/index.js';
import type { RunResult } from '../../harness/pg/index.js';

export const root = join(import.meta.dirname, '..', '..', '..');

/** Runs a bin shim with `env` added to a clean environment; never throws for a non-zero exit. */
export const runTool = (
  tool: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; asServerUser?: boolean } = {},
): Promise<RunResult> =>
  runProcess(process.execPath, [join(root, 'bin', tool), ...args], {
    env: baseEnv(Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))),
    timeoutMs: 120_000,
    asServerUser: options.asServerUser ?? false,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });

/** Every key in the bucket under `prefix` (all pages), sorted. */
export const keysIn = async (client: S3Client, prefix = ''): Promise<string[]> => {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const query: Record<string, string> = { 'list-type': '2', prefix };
    if (token !== undefined) query['continuation-token'] = token;
    const response = await client.send({ method: 'GET', key: '', query, maxResponseBytes: 64 * 1024 * 1024 });
    if (response.status !== 200) throw new Error(`list failed: HTTP ${response.status}`);
    const page = parseListPage(response.body.toString('utf8'));
    keys.push(...page.objects.map((object) => object.key));
    token = page.nextToken;
  } while (token !== undefined);
  return keys.sort();
};

export const getObject = async (client: S3Client, key: string): Promise<{ data: Buffer; headers: Record<string, unknown> } | undefined> => {
  const response = await client.send({ method: 'GET', key, maxResponseBytes: 1024 * 1024 * 1024 });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`get ${key} failed: HTTP ${response.status}`);
  return { data: response.body, headers: response.headers };
};

/** Stores bytes under `key` unconditionally (the test plays a damaging or foreign writer). */
export const putObject = async (client: S3Client, key: string, data: Buffer, headers: Record<string, string> = {}): Promise<void> => {
  const response = await client.send({ method: 'PUT', key, body: data, headers });
  if (response.status !== 200) throw new Error(`put ${key} failed: HTTP ${response.status} ${response.body.toString()}`);
};

/** Runs `count` tasks at most `parallel` at a time. */
export const inParallel = async (count: number, parallel: number, task: (index: number) => Promise<void>): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
};
