import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithPg, generateWal, makeTempDir, removeTempDir, startCluster, startStandby, switchWal, waitFor, waitForReplay,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';
import { clientEnv, connectionArgs, exitOf, filesIn, spawnReceivewal } from '../receivewal/helpers.js';
import { archiverStats, hook, waitForArchived } from './helpers.js';

/** The timeline in a segment's long page header (offset 4 of the first page). */
const headerTimeline = (path: string): number => readFileSync(path).readUInt32LE(4);

// A failover in the middle of a segment, as it happens in real life: the promoted standby's
// first segment on the new timeline is a copy of the old one up to the switch point, so its
// first page carries the OLD timeline. archivewal must archive it (on the new primary),
// restorewal must serve it (to an archive-only standby that follows the promotion) and
// receivewal must resume its own .partial of it after a stop.
describeWithPg('a promotion in the middle of a segment', (major) => {
  let primary: PgCluster | undefined;
  let standby: PgCluster | undefined;
  let follower: PgCluster | undefined;
  let archive: string;
  let work: string;

  beforeAll(async () => {
    archive = makeTempDir('ws-archive-');
    work = makeTempDir('ws-promote-mid-');
    primary = await startCluster(major, {
      name: `pg${major}-mid-primary`,
      walSegmentSizeMB: 1,
      archive: { mode: 'on', command: hook('archivewal', `%p ${archive}`) },
    });
    // Inherits archive_mode = on: it archives into the same archive once promoted.
    standby = await startStandby(primary, { name: `pg${major}-mid-standby` });
    follower = await startStandby(primary, {
      name: `pg${major}-mid-follower`,
      streaming: false,
      restoreCommand: hook('restorewal', `%f %p ${archive}`),
      settings: { archive: undefined },
    });
  });
  afterAll(async () => {
    await follower?.destroy();
    await standby?.destroy();
    await primary?.destroy();
    if (work !== undefined) removeTempDir(work);
  });

  it('archivewal, restorewal and receivewal carry the new timeline on', async () => {
    if (primary === undefined || standby === undefined || follower === undefined) throw new Error('clusters did not start');
    const wal = join(work, 'receivewal');
    mkdirSync(wal);
    const args = ['-D', wal, '-v', ...connectionArgs(standby)];
    const env = clientEnv(standby);
    const first = spawnReceivewal(args, env);
    await waitFor(() => /starting log streaming at /.test(first.output()), {
      timeoutMs: 60_000, description: 'receivewal to stream from the standby',
    });

    // Leave the primary ~300 kB into a fresh segment, then fail over.
    await switchWal(primary);
    const before = await generateWal(primary, 300 * 1024);
    await waitForReplay(standby, before.end);
    await primary.stop('fast');
    await standby.promote();
    const switchSegment = await standby.sql('SELECT pg_walfile_name(pg_current_wal_lsn())');
    expect(switchSegment.startsWith('00000002')).toBe(true);

    // receivewal follows the switch into the new timeline's first segment, is stopped in it,
    // and must resume its own .partial (whose first page carries timeline 1).
    await waitFor(() => /switched to timeline 2 at /.test(first.output()) && filesIn(wal).includes(`${switchSegment}.partial`), {
      timeoutMs: 60_000, description: `receivewal to write ${switchSegment}.partial`,
    }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${filesIn(wal).join(' ')}\n${first.output()}`);
    });
    await generateWal(standby, 64 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 500));
    first.kill('SIGINT');
    expect(await exitOf(first)).toEqual({ code: 0, signal: null });
    expect(headerTimeline(join(wal, `${switchSegment}.partial`))).toBe(1);
    const again = spawnReceivewal(args, env);
    await waitFor(() => /starting log streaming at /.test(again.output()) || again.exitCode !== null, {
      timeoutMs: 60_000, description: 'receivewal to stream again',
    });
    expect(again.output()).toContain(`resuming segment "${switchSegment}.partial"`);

    // Fill and complete the segment: the new primary archives it, the follower restores it.
    await generateWal(standby, 1200 * 1024);
    const after = await switchWal(standby);
    await waitForArchived(standby, archive, switchSegment);
    await waitFor(() => filesIn(wal).includes(switchSegment), { timeoutMs: 60_000, description: `receivewal to complete ${switchSegment}` })
      .catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: ${filesIn(wal).join(' ')}\n${again.output()}`);
      });
    again.kill('SIGINT');
    expect(await exitOf(again)).toEqual({ code: 0, signal: null });

    const original = readFileSync(join(standby.walDir, switchSegment));
    expect(headerTimeline(join(archive, switchSegment))).toBe(1);
    expect(readFileSync(join(archive, switchSegment)).equals(original)).toBe(true);
    expect(readFileSync(join(wal, switchSegment)).equals(original)).toBe(true);
    expect(filesIn(archive)).toContain('00000002.history');
    expect(filesIn(archive).some((name) => name.startsWith('00000001') && name.endsWith('.partial'))).toBe(true);
    expect((await archiverStats(standby)).failed).toBe(0);

    await waitForArchived(standby, archive, after.segment);
    await waitForReplay(follower, after.lsn, 120_000).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\n${await follower?.logTail(20)}`);
    });
    expect(await follower.readLog()).not.toMatch(/FATAL|restorewal: error/);
  }, 300_000);
});
