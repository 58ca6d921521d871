import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithPg, makeTempDir, startCluster, startStandby, switchWal, waitFor, waitForReplay,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';
import { archiverStats, dataFingerprint, hook, runLoad, segmentsIn, waitForArchived } from './helpers.js';

// A warm standby fed only by the archive: archivewal on the primary, restorewal and
// archivecleanup on the standby, a pgbench load, then promotion (1 MB segments keep it quick).
describeWithPg('log shipping through archivewal, restorewal and archivecleanup', (major) => {
  let primary: PgCluster | undefined;
  let standby: PgCluster | undefined;
  let archive: string;

  beforeAll(async () => {
    archive = makeTempDir('ws-archive-');
    primary = await startCluster(major, {
      walSegmentSizeMB: 1,
      archive: { mode: 'on', command: hook('archivewal', `%p ${archive}`) },
      conf: ['checkpoint_timeout = 30s'],
    });
    standby = await startStandby(primary, {
      streaming: false,
      restoreCommand: hook('restorewal', `%f %p ${archive}`),
      conf: [`archive_cleanup_command = '${hook('archivecleanup', `${archive} %r`)}'`],
    });
  });
  afterAll(async () => {
    await standby?.destroy();
    await primary?.destroy();
  });

  it('replays a pgbench load from the archive and prunes behind the restart point', async () => {
    if (primary === undefined || standby === undefined) throw new Error('clusters did not start');
    await runLoad(primary, 4);
    await primary.sql('CHECKPOINT');
    const { lsn, segment } = await switchWal(primary);
    await waitForArchived(primary, archive, segment);
    await waitForReplay(standby, lsn, 120_000);
    expect(await dataFingerprint(standby)).toBe(await dataFingerprint(primary));
    expect((await archiverStats(primary)).failed).toBe(0);

    const before = await segmentsIn(archive);
    // A restartpoint on the standby runs archive_cleanup_command with %r = its redo segment.
    await standby.sql('CHECKPOINT');
    const redo = await standby.sql('SELECT redo_wal_file FROM pg_control_checkpoint()');
    await waitFor(async () => (await segmentsIn(archive)).every((name) => name.slice(8, 24) >= redo.slice(8)), {
      timeoutMs: 60_000,
      description: `archive pruned below ${redo}`,
    });
    const after = await segmentsIn(archive);
    expect(after.length).toBeLessThan(before.length);
    expect(after).toContain(redo);
    expect(await readFile(join(archive, '.warmstandby-system-identifier'), 'utf8')).toBe(`${await primary.systemIdentifier()}\n`);
  });

  it('archives the new timeline history file after promotion; both sides hold the same data', async () => {
    if (primary === undefined || standby === undefined) throw new Error('clusters did not start');
    await primary.sql('UPDATE pgbench_accounts SET abalance = abalance + 7 WHERE aid <= 100');
    const { lsn, segment } = await switchWal(primary);
    await waitForArchived(primary, archive, segment);
    await waitForReplay(standby, lsn, 120_000);
    const expected = await dataFingerprint(primary);
    await primary.stop('fast');
    await standby.promote();
    await waitForArchived(standby, archive, '00000002.history');
    expect(await readFile(join(archive, '00000002.history'), 'utf8')).toBe(
      await readFile(join(standby.walDir, '00000002.history'), 'utf8'),
    );
    expect(await dataFingerprint(standby)).toBe(expected);
    // The promoted server keeps archiving on timeline 2 into the same archive.
    const next = await switchWal(standby);
    await waitForArchived(standby, archive, next.segment);
    expect(next.segment.startsWith('00000002')).toBe(true);
    expect((await archiverStats(standby)).failed).toBe(0);
  });
});
