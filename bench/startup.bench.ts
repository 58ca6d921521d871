// Start-up of a hook: PostgreSQL runs restore_command once per WAL file it wants, and keeps
// asking for the next one that does not exist yet, so "not in the archive" is the answer a
// standby hears most. Measured through the single executable (with and without V8's code
// cache), through node + dist (./bin/restorewal), and a bare `node -e 0` as the floor; the
// commands alternate round by round so load from other processes falls on all of them alike.
//
// Wall-clock medians are what a hook pays; the mean CPU time per run (children's utime+stime
// from /proc/self/stat) is steadier on a busy machine and is printed alongside.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, median } from './result.js';
import { buildExecutable } from './single-executable.js';

const RUNS = Number(process.env['BENCH_STARTUP_RUNS'] ?? 30);
const root = join(import.meta.dirname, '..');
const MISSING = '000000010000000000000007';

interface Sample {
  readonly wallMs: number[];
  cpuMs: number;
}

/** CPU time of this process's waited-for children so far, in ms (clock ticks of 10 ms each). */
const childrenCpuMs = (): number => {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
  // After "(comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) * 10;
};

const measure = (commands: Record<string, readonly string[]>, expectedStatus: Record<string, number>): Record<string, Sample> => {
  const samples: Record<string, Sample> = {};
  for (const name of Object.keys(commands)) samples[name] = { wallMs: [], cpuMs: 0 };
  for (let round = 0; round < RUNS + 1; round += 1) {
    for (const [name, [command, ...args]] of Object.entries(commands)) {
      const cpuBefore = childrenCpuMs();
      const started = performance.now();
      const result = spawnSync(command ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
      const wall = performance.now() - started;
      if (result.status !== expectedStatus[name]) {
        throw new Error(`${name} exited ${result.status ?? result.signal}: ${result.stderr.toString()}`);
      }
      // Round 0 warms the page cache and the add-on-free paths; it is not counted.
      if (round === 0) continue;
      const sample = samples[name] as Sample;
      sample.wallMs.push(wall);
      sample.cpuMs += childrenCpuMs() - cpuBefore;
    }
  }
  return samples;
};

const ms = (value: number): string => `${value.toFixed(1)} ms`;

export const run = async (): Promise<BenchRow[]> => {
  if (!existsSync(join(root, 'dist', 'tools', 'entry.js'))) throw new Error('dist/ is missing: run npm run build first');
  const work = mkdtempSync(join(tmpdir(), 'ws-bench-startup-'));
  try {
    const archive = join(work, 'archive');
    mkdirSync(archive);
    const withCache = buildExecutable(join(work, 'code-cache'), 'restorewal', true);
    const withoutCache = buildExecutable(join(work, 'no-code-cache'), 'restorewal', false);
    const hookArgs = [MISSING, join(work, 'RECOVERYXLOG'), archive];
    const commands = {
      node: [process.execPath, '-e', '0'],
      dist: [process.execPath, join(root, 'bin', 'restorewal'), ...hookArgs],
      exe: [withCache, ...hookArgs],
      exeNoCache: [withoutCache, ...hookArgs],
    } as const;
    const s = measure(commands, { node: 0, dist: 1, exe: 1, exeNoCache: 1 });
    const wall = (name: keyof typeof commands): number => median((s[name] as Sample).wallMs);
    const cpu = (name: keyof typeof commands): number => (s[name] as Sample).cpuMs / RUNS;
    const size = statSync(join(work, 'code-cache', 'warmstandby')).size;
    const nodeSize = statSync(process.execPath).size;
    const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    const cpuNote = (ours: keyof typeof commands, anchor: keyof typeof commands): string =>
      `CPU/run ${ms(cpu(ours))} vs ${ms(cpu(anchor))}; ${RUNS} runs`;
    return [
      {
        work: 'restorewal, file not archived: executable vs node + dist',
        ours: ms(wall('exe')),
        anchorName: 'node bin/restorewal',
        anchor: ms(wall('dist')),
        ratio: wall('exe') / wall('dist'),
        target: 1,
        notes: cpuNote('exe', 'dist'),
      },
      {
        work: 'restorewal, file not archived: executable over a bare node',
        ours: ms(wall('exe')),
        anchorName: 'node -e 0',
        anchor: ms(wall('node')),
        ratio: wall('exe') / wall('node'),
        target: 1.5,
        notes: cpuNote('exe', 'node'),
      },
      {
        // Guards the choice of useCodeCache in scripts/build-exe.mjs; the size is checked too.
        work: 'single executable: code cache vs none (restorewal, not archived)',
        ours: ms(wall('exe')),
        anchorName: 'without code cache',
        anchor: ms(wall('exeNoCache')),
        ratio: wall('exe') / wall('exeNoCache'),
        target: 1,
        notes: `${cpuNote('exe', 'exeNoCache')}; size ${mib(size)} (node ${mib(nodeSize)})`,
        extraPass: size <= nodeSize + 8 * 2 ** 20,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
