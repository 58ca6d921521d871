import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithPg, generateWal, makeTempDir, startCluster, startStandby, switchWal, waitForReplay, type PgCluster,
} from '../../harness/pg/index.js';
import { archiverStats, dataFingerprint, hook, runLoad, waitForArchived } from './helpers.js';

const SEGMENT = /^[0-9A-F]{24}$/;
const PREFETCH = 6;

// Two archive-only standbys of one primary replay the same archive, one with restorewal
// --prefetch: same data at the end, the spool never holds more than N segments, and the
// segments were in fact served from it.
describeWithPg('restorewal --prefetch', (major) => {
  let primary: PgCluster | undefined;
  let plain: PgCluster | undefined;
  let prefetching: PgCluster | undefined;
  let archive: string;
  let spool: string;
  let largestSpool = 0;
  let sampling: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    archive = makeTempDir('ws-prefetch-archive-');
    primary = await startCluster(major, {
      walSegmentSizeMB: 1,
      archive: { mode: 'on', command: hook('archivewal', `-Z lz4 %p ${archive}`) },
    });
    plain = await startStandby(primary, { name: `pg${major}-plain`, streaming: false, restoreCommand: hook('restorewal', `%f %p ${archive}`) });
    // The spool beside the data directory: the same file system, so serving is a rename. The
    // prefetching standby starts once the archive holds a backlog it needs (what prefetching
    // is for); following the archive's head, the hook may fetch each segment before the
    // prefetcher does, and the spool would be seen filled or not by chance.
    spool = join(makeTempDir('ws-prefetch-spool-'), 'spool');
    prefetching = await startStandby(primary, {
      name: `pg${major}-prefetch`,
      streaming: false,
      restoreCommand: hook('restorewal', `--prefetch ${PREFETCH} --spool ${spool} --idle-exit 5 %f %p ${archive}`),
      start: false,
    });
    sampling = setInterval(() => {
      if (!existsSync(spool)) return;
      largestSpool = Math.max(largestSpool, readdirSync(spool).filter((name) => SEGMENT.test(name)).length);
    }, 20);
  });
  afterAll(async () => {
    if (sampling !== undefined) clearInterval(sampling);
    await prefetching?.destroy();
    await plain?.destroy();
    await primary?.destroy();
  });

  it('replays the same data as a standby without it, from at most N prefetched segments', async () => {
    if (primary === undefined || plain === undefined || prefetching === undefined) throw new Error('clusters did not start');
    await runLoad(primary, 3);
    await generateWal(primary, 24 * 1024 * 1024, { method: 'message' });
    const { lsn, segment } = await switchWal(primary);
    await waitForArchived(primary, archive, `${segment}.lz4`);
    await prefetching.start();
    await Promise.all([waitForReplay(plain, lsn, 180_000), waitForReplay(prefetching, lsn, 180_000)]);
    const expected = await dataFingerprint(primary);
    expect(await dataFingerprint(plain)).toBe(expected);
    expect(await dataFingerprint(prefetching)).toBe(expected);
    expect((await archiverStats(primary)).failed).toBe(0);
    expect(largestSpool).toBeGreaterThan(0);
    expect(largestSpool).toBeLessThanOrEqual(PREFETCH);
    const log = readFileSync(join(spool, 'prefetcher.log'), 'utf8');
    expect(log).toMatch(/fetched "[0-9A-F]{24}"/);
    expect(log).not.toMatch(/error:/);
  });
});
