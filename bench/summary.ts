// `npm run bench`: runs every benchmark in bench/ (files named *.bench.ts exporting
// `run(): Promise<BenchRow[]>`) and prints one table: work, ours, the anchor, ratio, target.
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { type BenchRow, passed } from './result.js';

const only = process.argv.slice(2);
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
const rows: BenchRow[] = [];
let failures = 0;
for (const file of files) {
  process.stderr.write(`bench: running ${file}\n`);
  const mod = (await import(pathToFileURL(join(import.meta.dirname, file)).href)) as {
    run: () => Promise<BenchRow[]>;
  };
  try {
    rows.push(...(await mod.run()));
  } catch (error) {
    failures += 1;
    process.stderr.write(`bench: ${file} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
// No colours: the table usually goes to a file or a CI log.
const table = new Table({
  head: ['work', 'ours', 'anchor', 'ratio', 'target', 'result', 'notes'],
  style: { head: [], border: [] },
});
for (const r of rows) {
  table.push([r.work, r.ours, `${r.anchorName}: ${r.anchor}`, r.ratio.toFixed(2),
    Number.isFinite(r.target) ? `≤ ${r.target}` : '(watched)',
    passed(r) ? 'pass' : 'FAIL', r.notes ?? '']);
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, ` +
  `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n${table.toString()}\n`);
process.exitCode = failures > 0 ? 1 : 0;
