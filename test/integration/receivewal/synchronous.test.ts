import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithPg, lsnFromText, makeTempDir, removeTempDir, startCluster, waitFor, type PgCluster,
} from '../../harness/pg/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientEnv, connectionArgs, exitOf, filesIn, segmentNameOf, spawnReceivewal } from './helpers.js';

const settle = <T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

/**
 * --synchronous with synchronous_standby_names naming receivewal's application_name: a
 * commit on the primary returns once receivewal has the commit record on disk, and waits
 * while receivewal is stopped.
 */
describeWithPg('receivewal --synchronous', (major) => {
  let primary: PgCluster;
  let dir: string;

  beforeAll(async () => {
    primary = await startCluster(major, { walSegmentSizeMB: 1, name: `pg${major}-rw-sync` });
    await primary.sql('CREATE TABLE sync_probe (id int)');
    await primary.sql("SELECT pg_create_physical_replication_slot('rw_sync')");
    // Only now: from here on every commit waits for receivewal.
    await primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'receivewal'");
    await primary.sql('SELECT pg_reload_conf()');
    dir = makeTempDir('ws-rw-sync-');
  });
  afterAll(async () => {
    await primary?.destroy();
    if (dir !== undefined) removeTempDir(dir);
  });

  const start = () => spawnReceivewal(['-D', dir, '--synchronous', '-S', 'rw_sync', '-v', ...connectionArgs(primary)], clientEnv(primary));
  const syncState = (): Promise<string> =>
    primary.sql("SELECT coalesce(max(sync_state), 'none') FROM pg_stat_replication WHERE application_name = 'receivewal'");

  it('commits return while it runs and wait while it is stopped', async () => {
    let receiver = start();
    await waitFor(async () => (await syncState()) === 'sync', { timeoutMs: 90_000, description: 'receivewal to be the synchronous standby' });

    for (let i = 1; i <= 3; i++) {
      const began = Date.now();
      const outcome = await settle(primary.sql(`INSERT INTO sync_probe VALUES (${i}) RETURNING id`), 20_000);
      expect(outcome, `commit ${i} while receivewal runs`).toBe(String(i));
      expect(Date.now() - began).toBeLessThan(20_000);
    }
    const flushed = lsnFromText(await primary.sql(
      "SELECT flush_lsn FROM pg_stat_replication WHERE application_name = 'receivewal'"));
    const committed = lsnFromText(await primary.sql('SELECT pg_current_wal_flush_lsn()'));
    expect(flushed).toBeLessThanOrEqual(committed);

    receiver.kill('SIGTERM');
    expect(await exitOf(receiver)).toEqual({ code: 0, signal: null });
    expect(receiver.output()).toContain('receivewal: received interrupt signal, exiting');

    const waiting = primary.sql('INSERT INTO sync_probe VALUES (99) RETURNING id');
    expect(await settle(waiting, 4_000)).toBe('pending');

    receiver = start();
    expect(await settle(waiting, 30_000)).toBe('99');
    // Synchronous replication released the commit: receivewal reported it flushed...
    const reported = lsnFromText(await primary.sql(
      "SELECT flush_lsn FROM pg_stat_replication WHERE application_name = 'receivewal'"));
    receiver.kill('SIGINT');
    expect(await exitOf(receiver)).toEqual({ code: 0, signal: null });

    // ...and the archive holds the server's WAL up to that position.
    const segSize = BigInt(1024 * 1024);
    const last = reported - 1n;
    const name = segmentNameOf(1, last, Number(segSize));
    const file = filesIn(dir).find((n) => n === name || n === `${name}.partial`);
    expect(file, `${name} in ${filesIn(dir).join(' ')}`).toBeDefined();
    const upTo = Number(last % segSize) + 1;
    const archived = readFileSync(join(dir, file as string)).subarray(0, upTo);
    const server = readFileSync(join(primary.walDir, name)).subarray(0, upTo);
    expect(archived.equals(server)).toBe(true);
  }, 180_000);
});
