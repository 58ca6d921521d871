import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, makeTempDir, runProcess } from '../../harness/pg/index.js';
import type { RunResult } from '../../harness/pg/index.js';

export const root = join(import.meta.dirname, '..', '..', '..');

/** The binaries the issue names; the registry must offer exactly these. */
export const TOOLS = ['archivecleanup', 'archivewal', 'basebackup', 'live-restore', 'promote', 'receivewal', 'replstatus', 'restorewal'] as const;
export type Tool = (typeof TOOLS)[number];

export const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

export interface BuiltExecutable {
  readonly dir: string;
  readonly path: string;
  /** A directory of links named after the tools, pointing at the executable. */
  readonly links: string;
  /** TMPDIR for runs: the add-ons are extracted afresh under it, not found from earlier runs. */
  readonly tmp: string;
  /** A regular file: as TMPDIR, no add-on directory can be made below it (even by root). */
  readonly unusableTmp: string;
}

let building: Promise<BuiltExecutable> | undefined;

/** Builds the executable once per test file, into a temp dir (dist/ stays as it was). */
export const builtExecutable = (): Promise<BuiltExecutable> => (building ??= build());

const build = async (): Promise<BuiltExecutable> => {
  const dir = makeTempDir('ws-exe-');
  const result = await runProcess(process.execPath, [join(root, 'scripts', 'build-exe.mjs'), '--out', dir], {
    env: baseEnv(),
    cwd: root,
    timeoutMs: 300_000,
  });
  if (result.code !== 0) throw new Error(`build-exe failed (${result.code}): ${result.stderr}`);
  const path = join(dir, 'warmstandby');
  const links = join(dir, 'links');
  mkdirSync(links);
  for (const tool of TOOLS) symlinkSync(path, join(links, tool));
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { mode: 0o700 });
  const unusableTmp = join(dir, 'not-a-directory');
  writeFileSync(unusableTmp, '');
  return { dir, path, links, tmp, unusableTmp };
};

export interface ExeRunOptions {
  /** Run through the link named after this tool instead of `warmstandby TOOL`. */
  readonly via?: Tool;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly tmpdir?: string;
}

/** Runs the executable (never throwing on failure) with a minimal environment. */
export const runExe = (exe: BuiltExecutable, args: readonly string[], options: ExeRunOptions = {}): Promise<RunResult> =>
  runProcess(options.via === undefined ? exe.path : join(exe.links, options.via), args, {
    env: baseEnv({ NO_COLOR: '1', TMPDIR: options.tmpdir ?? exe.tmp, ...options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    timeoutMs: 180_000,
  });

/** Where the executable extracts its add-ons for this user under `tmpdir`. */
export const addonDirectory = (tmpdir: string): string => join(tmpdir, `warmstandby-addons-${process.getuid?.() ?? 0}`);

/**
 * The error lines of a run (`TOOL: error: ...`), after checking that stderr holds no stack
 * trace: no frame lines, no bare `Error:` lines, no source excerpt of a Node internal.
 */
export const errorLines = (tool: string, stderr: string): string[] => {
  const lines = stderr.trimEnd().split('\n');
  if (lines.some((line) => /^\s+at |^\w*Error\b|^node:|^\s*\^$/.test(line))) {
    throw new Error(`a stack trace on stderr:\n${stderr}`);
  }
  return lines.filter((line) => line.startsWith(`${tool}: error: `));
};
