// Every tool's `--version` and `--help` against a bare `node -e 0`: what a cron job, a hook or
// a script pays before the tool does anything. Commands alternate round by round, so a busy
// moment of the machine falls on all of them alike; medians. Target ≤ 1.3 × node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toolNames } from '../src/tools/registry.js';
import { type BenchRow, median } from './result.js';

const RUNS = Number(process.env['BENCH_START_RUNS'] ?? 20);
const root = join(import.meta.dirname, '..');

const wallMs = (args: readonly string[]): number => {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return elapsed;
};

export const run = async (): Promise<BenchRow[]> => {
  if (!existsSync(join(root, 'dist', 'tools', 'entry.js'))) throw new Error('dist/ is missing: run npm run build first');
  const commands = toolNames().flatMap((tool) =>
    ['--version', '--help'].map((flag) => ({ tool, flag, args: [join(root, 'bin', tool), flag] })));
  const bare: number[] = [];
  const times = new Map(commands.map((command) => [command, [] as number[]]));
  // Round 0 warms the page cache; it is not counted.
  for (let round = 0; round <= RUNS; round += 1) {
    const node = wallMs(['-e', '0']);
    if (round > 0) bare.push(node);
    for (const command of commands) {
      const ms = wallMs(command.args);
      if (round > 0) times.get(command)?.push(ms);
    }
  }
  const anchor = median(bare);
  return commands.map((command) => {
    const ours = median(times.get(command) ?? []);
    return {
      work: `${command.tool} ${command.flag}`,
      ours: `${ours.toFixed(1)} ms`,
      anchorName: 'node -e 0',
      anchor: `${anchor.toFixed(1)} ms`,
      ratio: ours / anchor,
      target: 1.3,
      notes: `medians of ${RUNS}, alternating`,
    };
  });
};
