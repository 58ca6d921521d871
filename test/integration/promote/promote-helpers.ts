import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../../src/tools/promote/cli.js';
import { captureIO } from '../../harness/capture-io.js';

export interface PromoteRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs promote's CLI in this process with captured output (the job is what bin/promote runs). */
export const runPromote = async (argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<PromoteRun> => {
  const io = captureIO(process.cwd(), { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', ...env });
  const started = Date.now();
  const status = await main(argv, io);
  return { status, stdout: io.out(), stderr: io.err(), ms: Date.now() - started };
};

/**
 * Every entry under `dir` with type, size, mode, owner and (for files) a SHA-256 of the
 * contents: equal snapshots mean nothing was created, removed or changed.
 */
export const snapshotTree = async (dir: string, relative = ''): Promise<string[]> => {
  const lines: string[] = [];
  const entries = (await readdir(join(dir, relative))).sort();
  for (const name of entries) {
    const path = join(relative, name);
    const full = join(dir, path);
    const info = await lstat(full);
    const meta = `${path} ${info.mode.toString(8)} ${info.uid}:${info.gid}`;
    if (info.isDirectory()) {
      lines.push(`${meta} dir`);
      lines.push(...(await snapshotTree(dir, path)));
    } else if (info.isSymbolicLink()) {
      lines.push(`${meta} -> ${await readlink(full)}`);
    } else {
      const hash = createHash('sha256').update(await readFile(full)).digest('hex');
      lines.push(`${meta} ${info.size} ${hash}`);
    }
  }
  return lines;
};

/** Names, types and owners at the top of a data directory (a running server keeps changing contents). */
export const topLevelListing = async (dir: string): Promise<string[]> => {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => {
      const info = await lstat(join(dir, name));
      return `${name} ${info.isDirectory() ? 'dir' : 'file'} ${info.uid}:${info.gid} ${info.mode.toString(8)}`;
    }),
  );
};
