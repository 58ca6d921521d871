// `npm run demo`: a throw-away PostgreSQL primary from the installed package, and the whole
// toolkit walked through on it: a standby made by basebackup -R, receivewal streaming from
// it, archivewal / restorewal / archivecleanup as the servers' hooks, a little load, promote
// --check and promote, and receivewal following the new timeline. Cleans up, even on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// The harness's modules one by one: its index also brings vitest, which runs only under vitest.
import type { PgCluster } from '../test/harness/pg/cluster.js';
import { ALL_PG_MAJORS } from '../test/harness/pg/majors.js';
import { findFreePort } from '../test/harness/pg/ports.js';
import { pgUnavailableReason } from '../test/harness/pg/require-pg.js';
import { chownToServerUser } from '../test/harness/pg/server-user.js';
import { makeTempDir, removeTempDir } from '../test/harness/pg/temp-dirs.js';
import { waitForStreaming } from '../test/harness/pg/standby.js';
import { startCluster } from '../test/harness/pg/start-cluster.js';
import { waitFor } from '../test/harness/pg/wait.js';
import { waitForReplay } from '../test/harness/pg/wal.js';
import { processIO } from '../src/core/cli/io.js';
import { createOutput } from '../src/core/cli/output.js';
import { formatTable } from '../src/core/cli/table.js';
import { parseLsn } from '../src/core/wal/lsn.js';
import { REPO_ROOT, mustRun, runTool, say } from './narrator.js';
import { adoptDataDirectory } from './standby-from-backup.js';

const node = process.execPath;
const hook = (tool: string, args: string): string => `${node} ${join(REPO_ROOT, 'bin', tool)} ${args}`;
const timings: [string, string][] = [];
const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  timings.push([label, `${((performance.now() - started) / 1000).toFixed(2)} s`]);
  return result;
};

const clusters: PgCluster[] = [];
let receiver: ChildProcess | undefined;
let workDir: string | undefined;
let cleaning: Promise<void> | undefined;
const cleanup = (): Promise<void> => {
  cleaning ??= (async () => {
    receiver?.kill('SIGTERM');
    for (const c of clusters.reverse()) await c.destroy().catch(() => undefined);
    if (workDir !== undefined) removeTempDir(workDir);
  })();
  return cleaning;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stdout.write('\ninterrupted: stopping the servers and removing the demo files\n');
    void cleanup().then(() => process.exit(130));
  });
}

const newestMajor = (): number => {
  const major = [...ALL_PG_MAJORS].reverse().find((m) => pgUnavailableReason(m) === undefined);
  if (major === undefined) throw new Error('Cannot find an installed PostgreSQL server: run npm ci first');
  return major;
};

const count = (dir: string, test: (name: string) => boolean): number =>
  existsSync(dir) ? readdirSync(dir).filter(test).length : 0;

const main = async (): Promise<void> => {
  const major = newestMajor();
  workDir = makeTempDir('warmstandby-demo-');
  const archive = join(workDir, 'archive');
  const streamed = join(workDir, 'streamed-wal');
  await mkdir(archive);
  await chownToServerUser(archive);

  say.step(`A throw-away PostgreSQL ${major} primary that archives with archivewal`);
  const primary = await timed('start primary', () =>
    startCluster(major, {
      name: 'demo-primary',
      archive: { mode: 'on', command: hook('archivewal', `%p ${archive}`), timeoutSeconds: 0 },
    }),
  );
  clusters.push(primary);
  say.line(`data directory ${primary.dataDir}, socket ${primary.host}, port ${primary.port}`);
  say.command(`archive_command = 'archivewal %p ${archive}'`);

  say.step('basebackup -R: a ready-to-start standby in one command');
  const standbyBase = makeTempDir('warmstandby-demo-standby-');
  const standbyData = join(standbyBase, 'data');
  const conn = ['-h', primary.host, '-p', String(primary.port), '-U', primary.superuser];
  const backup = await timed('basebackup -R -X stream', () =>
    mustRun('basebackup', ['-D', standbyData, '-R', '-X', 'stream', '-c', 'fast', '--verify', ...conn]),
  );
  say.output(backup.stderr);
  say.ok(`backup taken and verified against its manifest in ${(backup.ms / 1000).toFixed(2)} s`);

  say.step('Start the standby with restorewal and archivecleanup as its hooks');
  const standby = await adoptDataDirectory(primary, standbyBase, {
    port: await findFreePort(),
    recovery: [
      `restore_command = '${hook('restorewal', `%f %p ${archive}`)}'`,
      `archive_cleanup_command = '${hook('archivecleanup', `${archive} %r`)}'`,
    ],
  });
  clusters.push(standby);
  say.command(`restore_command = 'restorewal %f %p ${archive}'`);
  say.command(`archive_cleanup_command = 'archivecleanup ${archive} %r'`);
  await timed('standby reaches streaming', () => waitForStreaming(standby));
  say.ok('the standby streams from the primary');

  say.step('receivewal: stream WAL from the standby into a second archive');
  await mkdir(streamed);
  const receiverArgs = ['-D', streamed, '-h', standby.host, '-p', String(standby.port), '-U', 'postgres', '-v'];
  say.command(`receivewal ${receiverArgs.join(' ')} &`);
  let receiverLog = '';
  receiver = spawn(join(REPO_ROOT, 'bin', 'receivewal'), receiverArgs, {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  receiver.stderr?.on('data', (d: Buffer) => (receiverLog += d.toString()));
  await waitFor(() => count(streamed, (n) => n.endsWith('.partial')) > 0, {
    timeoutMs: 30_000, description: 'receivewal to open its first segment',
  });
  say.output(receiverLog);

  say.step('A little load on the primary');
  await timed('load: 300k rows, 4 WAL switches', async () => {
    await primary.sql('CREATE TABLE demo_orders (id bigint PRIMARY KEY, note text)');
    for (let batch = 0; batch < 4; batch += 1) {
      await primary.sql(`INSERT INTO demo_orders SELECT g, md5(g::text) FROM generate_series(${batch * 75_000 + 1}, ${(batch + 1) * 75_000}) g`);
      await primary.sql('SELECT pg_switch_wal()');
    }
  });
  const primaryLsn = await primary.sql('SELECT pg_current_wal_lsn()');
  await waitForReplay(standby, parseLsn(primaryLsn));
  await waitFor(() => count(archive, (n) => /^[0-9A-F]{24}$/.test(n)) >= 4, {
    timeoutMs: 60_000, description: 'archivewal to archive the switched segments',
  });
  say.ok(`primary at ${primaryLsn}; standby replayed it; ${count(archive, (n) => /^[0-9A-F]{24}/.test(n))} segments archived`);

  say.step('restorewal answers the standby: a segment it has, and one it has not');
  const first = readdirSync(archive).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort()[0] ?? '';
  const fetched = join(workDir, 'restored-segment');
  const hit = await runTool('restorewal', [first, fetched, archive]);
  say.line(`exit ${hit.code} in ${hit.ms.toFixed(0)} ms: ${first} copied and checked`);
  const miss = await runTool('restorewal', ['0000000100000000000000FF', join(workDir, 'nothing'), archive]);
  say.line(`exit ${miss.code} in ${miss.ms.toFixed(0)} ms: not in the archive, answered at once`);

  say.step('archivecleanup --dry-run: what a restartpoint would prune');
  const newest = readdirSync(archive).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort().at(-1) ?? first;
  const dry = await mustRun('archivecleanup', ['-n', archive, newest]);
  say.output(dry.stdout.split('\n').slice(0, 5).join('\n'));

  say.step('replstatus: the whole setup at a glance, and as a monitoring check');
  const dsn = (c: PgCluster): string => `host=${c.host} port=${c.port} user=postgres dbname=postgres`;
  const status = await mustRun('replstatus', ['-d', dsn(primary), '-d', dsn(standby), '--archive', archive]);
  say.output(status.stdout);
  const check = await runTool('replstatus', ['--check', '-d', dsn(primary), '--crit-lag', '1GB']);
  say.line(`exit ${check.code}: ${check.stdout.split('\n')[0] ?? ''}`);

  say.step('promote --check: compare receive and replay, then promote and wait');
  const promoted = await timed('promote --check (waiting)', () => mustRun('promote', ['--check', '-D', standby.dataDir, '-U', 'postgres']));
  say.output(promoted.stdout);
  say.ok(`pg_is_in_recovery() = ${await standby.sql('SELECT pg_is_in_recovery()')}`);

  say.step('receivewal follows the new timeline by itself');
  await standby.sql('CREATE TABLE after_promotion AS SELECT 1 AS x; SELECT pg_switch_wal()');
  await timed('receivewal picks up timeline 2', () =>
    waitFor(() => existsSync(join(streamed, '00000002.history')), {
      timeoutMs: 60_000, description: 'receivewal to write 00000002.history',
    }),
  );
  say.ok('00000002.history written; streaming continues on timeline 2');

  if (existsSync('/var/run/docker.sock') || process.env['DOCKER_HOST'] !== undefined) {
    say.step('live-restore status (a Docker daemon is present)');
    const status = await runTool('live-restore', ['status']);
    say.output(status.code === 0 ? status.stdout : status.stderr);
  }

  say.step('What happened');
  receiver.kill('SIGINT');
  await new Promise((resolve) => receiver?.once('close', resolve));
  // The WAL file name's first 8 hex digits are the timeline the server now writes on.
  const walFile = await standby.sql('SELECT pg_walfile_name(pg_current_wal_lsn())');
  const out = createOutput('demo', processIO());
  out.print(formatTable(out, ['what', 'value'], [
    ['PostgreSQL', `${primary.version}`],
    ['primary position before promotion', primaryLsn],
    ['timeline of the promoted standby', String(Number.parseInt(walFile.slice(0, 8), 16))],
    ['segments archived by archivewal', String(count(archive, (n) => /^[0-9A-F]{24}/.test(n)))],
    ['files streamed by receivewal', String(count(streamed, () => true))],
    ...timings,
  ]));
};

main()
  .then(cleanup)
  .catch(async (error: unknown) => {
    process.stderr.write(`demo: error: ${error instanceof Error ? error.message : String(error)}\n`);
    await cleanup();
    process.exitCode = 1;
  });
