import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { colorLevel } from '../src/core/cli/output.js';

/** The demo's voice: numbered steps, the exact commands it runs, and their output, indented. */
export const REPO_ROOT = join(import.meta.dirname, '..');
const color = new Chalk({ level: colorLevel({ env: process.env }, process.stdout.isTTY === true) });

let step = 0;
export const say = {
  step(title: string): void {
    step += 1;
    process.stdout.write(`\n${color.bold.cyan(`${step}. ${title}`)}\n`);
  },
  line(text: string): void {
    process.stdout.write(`   ${text}\n`);
  },
  command(text: string): void {
    process.stdout.write(`   ${color.dim('$')} ${color.bold(text)}\n`);
  },
  output(text: string): void {
    for (const line of text.trimEnd().split('\n')) {
      if (line !== '') process.stdout.write(`     ${color.dim(line)}\n`);
    }
  },
  ok(text: string): void {
    process.stdout.write(`   ${color.green('✓')} ${text}\n`);
  },
  warn(text: string): void {
    process.stdout.write(`   ${color.yellow('!')} ${text}\n`);
  },
  color,
};

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs bin/<tool> as a user would type it; the command line shown hides nothing secret. */
export const runTool = async (
  tool: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; show?: boolean } = {},
): Promise<ToolRun> => {
  const shown = [tool, ...args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`))].join(' ');
  if (options.show !== false) say.command(shown);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'bin', tool), args, {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - started });
    });
  });
};

/** Like runTool, but a non-zero exit ends the demo with the tool's own words. */
export const mustRun = async (
  tool: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; show?: boolean } = {},
): Promise<ToolRun> => {
  const result = await runTool(tool, args, options);
  if (result.code !== 0) {
    say.output(result.stderr);
    throw new Error(`${tool} exited with status ${result.code}`);
  }
  return result;
};
