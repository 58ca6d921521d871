// replstatus on a 3-node setup (primary, standby, cascaded standby): what one status costs a
// monitoring system that runs it every minute. The figure is (ours − the queries' own time)
// / `node -e 0`: the queries' own time is one status made in a warm process (connect, SQL,
// close on all three nodes in parallel), so what remains is the tool's start-up and its
// rendering, which should cost no more than a bare Node start (target ≤ 1.3).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { captureIO } from '../test/harness/capture-io.js';
import { startStandby } from '../test/harness/pg/standby.js';
import { startCluster } from '../test/harness/pg/start-cluster.js';
import { runReplstatus } from '../src/tools/replstatus/run.js';
import { type BenchRow, median } from './result.js';

const RUNS = Number(process.env['BENCH_REPLSTATUS_RUNS'] ?? 20);
const root = join(import.meta.dirname, '..');

const wallMs = (command: string, args: readonly string[]): number => {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return elapsed;
};

export const run = async (): Promise<BenchRow[]> => {
  if (!existsSync(join(root, 'dist', 'tools', 'entry.js'))) throw new Error('dist/ is missing: run npm run build first');
  const primary = await startCluster(15, { name: 'bench-rs' });
  const standby = await startStandby(primary, { name: 'bench-rs-a' });
  const cascaded = await startStandby(standby, { name: 'bench-rs-b' });
  try {
    const dsn = (c: typeof primary): string => `host=${c.host} port=${c.port} user=postgres dbname=postgres`;
    const nodeArgs = ['-d', dsn(primary), '-d', dsn(standby), '-d', dsn(cascaded)];
    const options = { nodes: nodeArgs.filter((_, i) => i % 2 === 1).map((dbname) => ({ dbname, passwordMode: 'never' as const })), thresholds: {} };
    const io = captureIO(root, { PATH: process.env['PATH'] ?? '' });
    const deps = { io, onWarning: () => undefined, typed: {} };
    const inProcess: number[] = [];
    const node: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round <= RUNS; round += 1) {
      const started = performance.now();
      const report = await runReplstatus(options, deps);
      const queries = performance.now() - started;
      if (report.status !== 'OK') throw new Error(`the setup is not healthy: ${JSON.stringify(report.findings)}`);
      const bare = wallMs(process.execPath, ['-e', '0']);
      const tool = wallMs(process.execPath, [join(root, 'bin', 'replstatus'), ...nodeArgs, '--json']);
      // Round 0 warms the page cache and the servers' catalogs; it is not counted.
      if (round === 0) continue;
      inProcess.push(queries);
      node.push(bare);
      ours.push(tool);
    }
    const [q, n, o] = [median(inProcess), median(node), median(ours)];
    return [
      {
        work: 'replstatus, 3 nodes, --json',
        ours: `${o.toFixed(1)} ms`,
        anchorName: 'node -e 0',
        anchor: `${n.toFixed(1)} ms`,
        ratio: (o - q) / n,
        target: 1.3,
        notes: `ratio = (ours − queries ${q.toFixed(1)} ms in a warm process) / node; medians of ${RUNS}`,
      },
    ];
  } finally {
    await cascaded.destroy();
    await standby.destroy();
    await primary.destroy();
  }
};
