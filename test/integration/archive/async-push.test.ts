import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeSegment } from '../../unit/tools/archive-hooks/wal-fixtures.js';
import {
  describeWithPg, generateWal, makeTempDir, startCluster, switchWal, waitFor, type PgCluster,
} from '../../harness/pg/index.js';
import { archiverStats, hook, runLoad } from './helpers.js';

const SEGMENT = /^[0-9A-F]{24}$/;

/** The pusher named in the spool's lock file, if it runs. */
const pusherPid = (spool: string): number | undefined => {
  try {
    const pid = Number(readFileSync(join(spool, 'pusher.pid'), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
};

/** kill -9 of the running pusher; whether there was one. */
const stopPusher = (spool: string): boolean => {
  const pid = pusherPid(spool);
  if (pid !== undefined) process.kill(pid, 'SIGKILL');
  return pid !== undefined;
};

// archive_command = archivewal --async: the hook answers from the spool while one pusher per
// spool pushes ahead of PostgreSQL's archiver, in parallel, straight from pg_wal.
describeWithPg('archivewal --async', (major) => {
  let primary: PgCluster | undefined;
  let archive: string;
  let spool: string;

  beforeAll(async () => {
    archive = makeTempDir('ws-async-archive-');
    spool = join(makeTempDir('ws-async-spool-'), 'spool');
    primary = await startCluster(major, {
      walSegmentSizeMB: 1,
      archive: { mode: 'on', command: hook('archivewal', `--async --spool ${spool} --jobs 4 --idle-exit 5 %p ${archive}`) },
      conf: ["wal_keep_size = '512MB'"],
    });
  });
  afterAll(async () => {
    await primary?.destroy();
    stopPusher(spool);
  });

  /** Every acknowledged name is in the archive: an acknowledgement never runs ahead of a durable copy. */
  const checkAcknowledgements = (): void => {
    if (!existsSync(spool)) return;
    for (const entry of readdirSync(spool).filter((name) => name.endsWith('.ok'))) {
      expect(existsSync(join(archive, entry.slice(0, -3))), `${entry} acknowledged but not archived`).toBe(true);
    }
  };

  /** The archive holds every segment of pg_wal up to `last`, byte-identical. */
  const checkArchiveComplete = async (cluster: PgCluster, last: string): Promise<void> => {
    await waitFor(async () => (await archiverStats(cluster)).lastArchived === last, { timeoutMs: 120_000, description: `archiving of ${last}` });
    const names = readdirSync(cluster.walDir).filter((name) => SEGMENT.test(name) && name <= last);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const ready = existsSync(join(cluster.walDir, 'archive_status', `${name}.done`));
      if (!ready) continue; // recycled-ahead files are not WAL yet
      expect(readFileSync(join(archive, name)).equals(readFileSync(join(cluster.walDir, name))), name).toBe(true);
    }
  };

  it('keeps up with pgbench: a bounded .ready backlog, every segment archived, byte-identical, nothing failed', async () => {
    if (primary === undefined) throw new Error('cluster did not start');
    // The backlog PostgreSQL's archiver sees: .ready files waiting, sampled through the load.
    // pgbench -i writes its WAL in one burst at the start (however long that takes on a busy
    // machine); after it the timed run must not leave segments waiting: over the second half
    // of the run at most --jobs of them.
    const statusDir = join(primary.walDir, 'archive_status');
    const backlog: number[] = [];
    let sampling: NodeJS.Timeout | undefined;
    try {
      await runLoad(primary, 4, () => {
        sampling = setInterval(() => {
          backlog.push(readdirSync(statusDir).filter((name) => SEGMENT.test(name.slice(0, 24)) && name.endsWith('.ready')).length);
        }, 25);
      });
    } finally {
      clearInterval(sampling);
    }
    expect(backlog.length).toBeGreaterThan(40);
    expect(Math.max(...backlog.slice(Math.floor(backlog.length / 2)))).toBeLessThanOrEqual(4);
    const { segment } = await switchWal(primary);
    await checkArchiveComplete(primary, segment);
    expect((await archiverStats(primary)).failed).toBe(0);
    expect(pusherPid(spool)).toBeDefined();
    checkAcknowledgements();
  });

  it('survives kill -9 of the pusher 20 times and the loss of the spool', async () => {
    if (primary === undefined) throw new Error('cluster did not start');
    // WAL keeps coming (a segment switch every few MB) until the 20 kills are done, so there is
    // always a hook calling and a pusher to kill.
    let loading = true;
    const load = (async () => {
      while (loading) {
        await generateWal(primary as PgCluster, 2 * 1024 * 1024, { method: 'message' });
        await (primary as PgCluster).sql('SELECT pg_switch_wal()');
      }
    })();
    let killed = 0;
    let spoolLost = false;
    for (let round = 0; killed < 20 && round < 400; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      checkAcknowledgements();
      if (stopPusher(spool)) killed += 1;
      // Once, after the tenth kill: deleted again at every round, the spool would take the
      // pid file of each new pusher with it before it could be seen (and killed).
      if (killed === 10 && !spoolLost) {
        rmSync(spool, { recursive: true, force: true });
        spoolLost = true;
      }
    }
    loading = false;
    await load;
    // Each kill was of a pusher a hook had started again after the previous one.
    expect(killed).toBe(20);
    const { segment } = await switchWal(primary);
    await checkArchiveComplete(primary, segment);
    checkAcknowledgements();
    const log = await primary.readLog();
    expect(log).not.toMatch(/different content/);
  });

  it('reports an archive that refuses a segment in the server log, and stops on that segment', async () => {
    if (primary === undefined) throw new Error('cluster did not start');
    // Some WAL first: at a segment boundary pg_walfile_name names the previous segment.
    await primary.sql("CREATE TABLE IF NOT EXISTS refused (x int); INSERT INTO refused VALUES (1)");
    const next = (await primary.sql('SELECT pg_walfile_name(pg_current_wal_insert_lsn())')).trim();
    expect(existsSync(join(archive, next))).toBe(false);
    // Another cluster's bytes under the next name: the archive must refuse ours.
    writeFileSync(join(archive, next), makeSegment({ name: next, segmentSize: 1024 * 1024, systemIdentifier: await primary.systemIdentifier(), fill: 9 }));
    const failedBefore = (await archiverStats(primary)).failed;
    await switchWal(primary);
    await waitFor(async () => (await archiverStats(primary as PgCluster)).failed > failedBefore, {
      timeoutMs: 60_000,
      description: 'the archiver to report the refused segment',
    });
    const stats = await archiverStats(primary);
    expect(stats.lastArchived === null || stats.lastArchived < next).toBe(true);
    expect(existsSync(join(spool, `${next}.ok`))).toBe(false);
    await waitFor(async () => /already holds "[0-9A-F]{24}" with different content/.test(await (primary as PgCluster).readLog()), {
      timeoutMs: 30_000,
      description: 'the error in the server log',
    });
  });
});
