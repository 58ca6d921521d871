import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PgCluster, describeWithPg, startCluster, waitFor } from '../../harness/pg/index.js';
import { backupDir, basebackup, clientEnv, connectionArgs } from './helpers.js';

// pg_basebackup reports the start position as flushed as soon as WAL streaming starts, and
// that report is what sets restart_lsn of a slot created without reserving WAL. Reporting
// only every 10 s (-s) or at the stop left the slot NULL after some short backups, so a
// standby made with -R -S could start unprotected by its slot.
describeWithPg('basebackup -X stream -S: the slot holds WAL from the start of streaming', (major) => {
  let primary: PgCluster;
  beforeAll(async () => {
    primary = await startCluster(major, { name: `bbslot${major}` });
  });
  afterAll(async () => {
    await primary?.destroy();
  });

  const restartLsn = (slot: string): Promise<string> =>
    primary.sql(`SELECT coalesce(restart_lsn::text, 'NULL') FROM pg_replication_slots WHERE slot_name = '${slot}'`);

  it('sets restart_lsn of a slot that reserved no WAL while data files are still being sent', async () => {
    const slot = 'bbslot_throttled';
    await primary.sql(`SELECT pg_create_physical_replication_slot('${slot}')`);
    expect(await restartLsn(slot)).toBe('NULL');
    const { base, data } = backupDir('slot-throttled');
    // Throttled (-r) so the server spends seconds sending data files, and a 30 s status
    // interval (-s) that never fires during them: only a status sent when streaming starts
    // can set the slot while the server still reports that phase.
    const args = ['-D', data, '-X', 'stream', '-S', slot, '-r', '2M', '-s', '30', '-c', 'fast', ...connectionArgs(primary)];
    const running = basebackup(args, clientEnv(primary));
    // "No backup" in pg_stat_progress_basebackup is also what a poll sees before the backup
    // has started: only the process's exit says it is over.
    let exited = false;
    void running.finally(() => {
      exited = true;
    });
    const state = (): Promise<string> => primary.sql(
      `SELECT (SELECT coalesce(restart_lsn::text, 'NULL') FROM pg_replication_slots WHERE slot_name = '${slot}') || ' ' ||
              coalesce((SELECT phase FROM pg_stat_progress_basebackup), 'no backup')`);
    let seen = '';
    await waitFor(async () => {
      seen = await state();
      return !seen.startsWith('NULL ') || exited;
    }, { timeoutMs: 60_000, description: 'restart_lsn set or the backup over' });
    expect(seen).toMatch(/^[0-9A-F]+\/[0-9A-F]+ streaming database files$/);
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    await primary.sql(`SELECT pg_drop_replication_slot('${slot}')`);
    await rm(base, { recursive: true, force: true });
  }, 120_000);

  it('-C -S, interrupted: the output is removed and so is the slot it created', async () => {
    const slot = 'bbslot_created';
    const { base, data } = backupDir('slot-created');
    const controller = new AbortController();
    const args = ['-D', data, '-X', 'stream', '-C', '-S', slot, '-r', '2M', '-c', 'fast', ...connectionArgs(primary)];
    const running = basebackup(args, clientEnv(primary), { signal: controller.signal });
    await waitFor(async () => (await restartLsn(slot)) !== '', { timeoutMs: 60_000, description: `slot ${slot} created` });
    controller.abort();
    const run = await running;
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`dropping replication slot "${slot}"`);
    expect(existsSync(data)).toBe(false);
    expect(await primary.sql(`SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slot}'`)).toBe('0');
    await rm(base, { recursive: true, force: true });
  }, 120_000);

  it('installed as pg_basebackup, that is its application_name on the server, as pg_basebackup\'s', async () => {
    const { spawn } = await import('node:child_process');
    const { symlinkSync } = await import('node:fs');
    const { REPO_ROOT } = await import('../../harness/pg/binaries.js');
    const { base, data } = backupDir('appname');
    const link = join(base, 'pg_basebackup');
    symlinkSync(join(REPO_ROOT, 'bin', 'basebackup'), link);
    const child = spawn(process.execPath, [link, '-D', data, '-r', '2M', '-c', 'fast', ...connectionArgs(primary)], {
      env: clientEnv(primary), stdio: 'ignore',
    });
    try {
      await waitFor(async () => (await primary.sql('SELECT application_name FROM pg_stat_replication')).includes('pg_basebackup'), {
        timeoutMs: 30_000, description: 'a walsender for application_name pg_basebackup',
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(base, { recursive: true, force: true });
    }
  }, 60_000);

  it('sets it in every one of 10 short backups', async () => {
    const env = clientEnv(primary);
    const outcomes: string[] = [];
    for (let round = 0; round < 10; round += 1) {
      const slot = `bbslot_${round}`;
      await primary.sql(`SELECT pg_create_physical_replication_slot('${slot}')`);
      const { base, data } = backupDir(`slot-${round}`);
      const run = await basebackup(['-D', data, '-X', 'stream', '-S', slot, '-c', 'fast', ...connectionArgs(primary)], env);
      expect(run.code, run.stderr).toBe(0);
      outcomes.push((await restartLsn(slot)) === 'NULL' ? `round ${round}: restart_lsn NULL` : 'ok');
      await primary.sql(`SELECT pg_drop_replication_slot('${slot}')`);
      await rm(base, { recursive: true, force: true });
    }
    expect(outcomes).toEqual(Array(10).fill('ok'));
  }, 300_000);
});
