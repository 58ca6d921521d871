// archivewal --async against synchronous archivewal, with PostgreSQL's own archiver driving:
// a backlog of BACKLOG fresh 16 MB segments waits as .ready (archive_command = 'false'), then
// archive_command is switched to the tool and the time until pg_stat_archiver reports the
// last segment archived is measured. Same server, same disk, fresh archive each round,
// alternating, medians. (pgBackRest's archive-push is not in Debian's packages this project
// installs; see docs/dev/performance.md.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv } from '../test/harness/pg/run-process.js';
import { REPO_ROOT } from '../test/harness/pg/binaries.js';
import { chownToServerUser } from '../test/harness/pg/server-user.js';
import { makeTempDir } from '../test/harness/pg/temp-dirs.js';
import { startBenchServer, type BenchServer } from './bench-server.js';
import { type BenchRow, median } from './result.js';

const BACKLOG = Number(process.env['BENCH_BACKLOG'] ?? 48);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const JOBS = Number(process.env['BENCH_JOBS'] ?? 4);
const RUNS = Number(process.env['BENCH_ACK_RUNS'] ?? 40);

const quote = (text: string): string => text.replace(/'/g, "''");

/**
 * Builds a backlog: archive_command = 'false' (set with ALTER SYSTEM: a -c on the server's
 * command line would override every later change), BACKLOG segment switches with data.
 */
const makeBacklog = async (server: BenchServer): Promise<string> => {
  await server.sql("ALTER SYSTEM SET archive_command = 'false'");
  await server.sql('SELECT pg_reload_conf()');
  await server.sql('CREATE TABLE IF NOT EXISTS bench_fill (x text)');
  let last = '';
  for (let i = 0; i < BACKLOG; i += 1) {
    await server.sql("INSERT INTO bench_fill SELECT repeat(md5(g::text), 30) FROM generate_series(1, 12000) g");
    last = await server.sql('SELECT pg_walfile_name(pg_current_wal_lsn())');
    await server.sql('SELECT pg_switch_wal()');
  }
  return last;
};

/** Switches archive_command to `command` and times the archiver until `last` is archived. */
const drain = async (server: BenchServer, command: string, last: string): Promise<number> => {
  const started = performance.now();
  await server.sql(`ALTER SYSTEM SET archive_command = '${quote(command)}'`);
  await server.sql('SELECT pg_reload_conf()');
  // failed_count is not watched: archive_command = 'false' failed while the backlog grew.
  while (performance.now() - started < 600_000) {
    const archived = await server.sql('SELECT last_archived_wal FROM pg_stat_archiver');
    if (archived.length === 24 && archived >= last) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${last} was not archived within 10 minutes`);
};

export const run = async (): Promise<BenchRow[]> => {
  const server = await startBenchServer('ws-bench-async-', '-c archive_mode=on -c wal_keep_size=2GB');
  const work = makeTempDir('ws-bench-async-work-');
  const bin = `${process.execPath} ${join(REPO_ROOT, 'bin', 'archivewal')}`;
  const times: Record<'sync' | 'async', number[]> = { sync: [], async: [] };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const mode of round % 2 === 0 ? (['sync', 'async'] as const) : (['async', 'sync'] as const)) {
        const archive = join(work, `archive-${mode}-${round}`);
        const spool = join(work, `spool-${round}`);
        mkdirSync(archive, { recursive: true });
        await chownToServerUser(archive); // the server's archiver runs the hooks as its user
        const last = await makeBacklog(server);
        const command = mode === 'sync'
          ? `${bin} %p ${archive}`
          : `${bin} --async --spool ${spool} --jobs ${JOBS} --idle-exit 2 %p ${archive}`;
        times[mode].push(await drain(server, command, last));
        rmSync(archive, { recursive: true, force: true });
      }
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const sync = median(times.sync);
  const acknowledged = benchAcknowledged();
  const asyncMs = median(times.async);
  const rate = (ms: number): string => (BACKLOG / (ms / 1000)).toFixed(1);
  return [{
    work: `archivewal --async --jobs ${JOBS}, PostgreSQL's archiver draining ${BACKLOG} × 16 MB (${ROUNDS} rounds)`,
    ours: `${(asyncMs / 1000).toFixed(2)} s (${rate(asyncMs)} segments/s)`,
    anchorName: 'archivewal (synchronous)',
    anchor: `${(sync / 1000).toFixed(2)} s (${rate(sync)}/s)`,
    // Segments per second: ours / anchor; the issue asks for at least 3 × (ratio ≤ 1/3 in time).
    ratio: asyncMs / sync,
    target: 0.33,
    notes: `${(sync / asyncMs).toFixed(2)} × the synchronous hook's rate`,
  }, acknowledged];
};

/** The hook's answer for a segment the pusher already acknowledged, against a bare Node start. */
const benchAcknowledged = (): BenchRow => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-bench-ack-'));
  const name = '000000010000000000000042';
  mkdirSync(join(dir, 'spool'));
  mkdirSync(join(dir, 'pg_wal'));
  writeFileSync(join(dir, 'spool', `${name}.ok`), '');
  const args = [join(REPO_ROOT, 'bin', 'archivewal'), '--async', '--spool', 'spool', `pg_wal/${name}`, join(dir, 'archive')];
  const once = (command: readonly string[]): number => {
    const started = performance.now();
    const result = spawnSync(process.execPath, command, { cwd: dir, env: baseEnv(), stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}`);
    return performance.now() - started;
  };
  const ours: number[] = [];
  const bare: number[] = [];
  once(args);
  for (let i = 0; i < RUNS; i += 1) {
    bare.push(once(['-e', '0']));
    ours.push(once(args));
  }
  rmSync(dir, { recursive: true, force: true });
  const o = median(ours);
  const n = median(bare);
  return {
    work: `archivewal --async, segment already acknowledged (${RUNS} runs)`,
    ours: `${o.toFixed(1)} ms`,
    anchorName: 'node -e 0',
    anchor: `${n.toFixed(1)} ms`,
    ratio: o / n,
    target: 1.1,
  };
};
