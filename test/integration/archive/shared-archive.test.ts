import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateSegmentHeader } from '../../../src/core/wal/page-header.js';
import { parseSegmentFileName } from '../../../src/core/wal/segment-name.js';
import {
  describeWithPg, makeTempDir, startCluster, startStandby, switchWal, waitFor, waitForReplay,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';
import { archiverStats, hook, segmentsIn } from './helpers.js';

const MB = 1024 * 1024;

// archive_mode = always: the primary and its streaming standby both push every segment
// into one directory. Every push after the first finds identical content and succeeds.
describeWithPg('a shared archive (archive_mode = always)', (major) => {
  let primary: PgCluster | undefined;
  let standby: PgCluster | undefined;
  let archive: string;

  beforeAll(async () => {
    archive = makeTempDir('ws-shared-archive-');
    const archiveSettings = { mode: 'always' as const, command: hook('archivewal', `%p ${archive}`) };
    primary = await startCluster(major, { walSegmentSizeMB: 1, archive: archiveSettings });
    standby = await startStandby(primary, { settings: { archive: archiveSettings } });
  });
  afterAll(async () => {
    await standby?.destroy();
    await primary?.destroy();
  });

  it('gets every segment once, from both servers, without a failure', async () => {
    if (primary === undefined || standby === undefined) throw new Error('clusters did not start');
    const first = (await switchWal(primary)).segment;
    let last = first;
    let lastLsn = 0n;
    for (let i = 0; i < 12; i += 1) {
      await primary.sql(`CREATE TABLE IF NOT EXISTS t (x text); INSERT INTO t SELECT repeat(md5(g::text), 20) FROM generate_series(1, 2000) g`);
      const switched = await switchWal(primary);
      last = switched.segment;
      lastLsn = switched.lsn;
    }
    await waitForReplay(standby, lastLsn);
    for (const server of [primary, standby]) {
      await waitFor(async () => (await archiverStats(server)).lastArchived === last, {
        timeoutMs: 90_000,
        description: `${server.name} to archive ${last}`,
      });
      expect((await archiverStats(server)).failed).toBe(0);
    }
    // Complete: every segment from the first switched one to the last is there, once.
    const segments = (await segmentsIn(archive)).filter((n) => n.length === 24);
    const numbers = segments.map((n) => parseSegmentFileName(n, MB).segno);
    const from = parseSegmentFileName(first, MB).segno;
    const to = parseSegmentFileName(last, MB).segno;
    for (let segno = from; segno <= to; segno += 1n) expect(numbers).toContain(segno);
    // Intact: each one is the segment its name says, of this system.
    const systemIdentifier = await primary.systemIdentifier();
    for (const name of segments) {
      const data = await readFile(join(archive, name));
      expect(data.length).toBe(MB);
      expect(validateSegmentHeader(data, { name, systemIdentifier, segmentSize: MB }).header.timeline).toBe(1);
    }
    // Both pushed: the second pusher of a name was told it was already there.
    const logs = (await primary.readLog()) + (await standby.readLog());
    expect(logs).toMatch(/archivewal: "[0-9A-F]{24}" is already archived as "[0-9A-F]{24}" with identical content/);
    expect(logs).not.toMatch(/archive command failed/);
  });
});
