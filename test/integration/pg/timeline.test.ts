import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { identifySystem, timelineHistory } from '../../../src/core/pg/replication/commands.js';
import { startReplication } from '../../../src/core/pg/replication/stream.js';
import { parseTimelineHistory } from '../../../src/core/wal/timeline-history.js';
import { segmentStartOf } from '../../../src/core/wal/segment-name.js';
import {
  describeWithPg, generateWal, startCluster, startStandby, waitForReplay, type PgCluster,
} from '../../harness/pg/index.js';
import { withConnection } from './connect-helpers.js';
import { captureWal, walFromDisk } from './wal-capture.js';

const MB = 1024 * 1024;

describeWithPg('timelines: TIMELINE_HISTORY and the end of a historic timeline', (major) => {
  let primary: PgCluster;
  let promoted: PgCluster;
  let switchpoint: bigint;
  const segSize = 16 * MB;

  beforeAll(async () => {
    primary = await startCluster(major, { fsync: false, name: `pg${major}-tl-primary` });
    promoted = await startStandby(primary, { name: `pg${major}-tl-standby` });
    const range = await generateWal(primary, 2 * MB, { method: 'message' });
    await waitForReplay(promoted, range.end);
    await primary.stop('fast');
    await promoted.promote();
    const history = parseTimelineHistory(await readFile(join(promoted.walDir, '00000002.history'), 'utf8'));
    const entry = history.find((e) => e.timeline === 1);
    if (entry === undefined) throw new Error('no timeline 1 in 00000002.history');
    switchpoint = entry.switchLsn;
  });
  afterAll(async () => {
    await promoted?.destroy();
    await primary?.destroy();
  });

  it('IDENTIFY_SYSTEM reports the new timeline', async () => {
    await withConnection(promoted, { replication: 'true' }, async (c) => {
      expect((await identifySystem(c)).timeline).toBe(2);
    });
  });

  it('TIMELINE_HISTORY returns the history file byte for byte', async () => {
    await withConnection(promoted, { replication: 'true' }, async (c) => {
      const history = await timelineHistory(c, 2);
      expect(history.filename).toBe('00000002.history');
      expect(history.content.equals(await readFile(join(promoted.walDir, '00000002.history')))).toBe(true);
      await expect(timelineHistory(c, 7)).rejects.toMatchObject({ sqlstate: '58P01' });
    });
  });

  it('streams timeline 1 up to the switch point, then reports the next timeline', async () => {
    await withConnection(promoted, { replication: 'true' }, async (c) => {
      const start = segmentStartOf(switchpoint, segSize);
      const stream = await startReplication(c, { lsn: start, timeline: 1 });
      const got = await captureWal(stream, start, undefined);
      expect(got.endedBy).toBe('server');
      expect(start + BigInt(got.data.length)).toBe(switchpoint);
      expect(await stream.finish()).toEqual({ nextTimeline: 2, nextStart: switchpoint });
      // The switch segment of timeline 1 lives on as the first segment of timeline 2.
      const disk = await walFromDisk(promoted.walDir, 2, start, got.data.length, segSize);
      expect(got.data.equals(disk)).toBe(true);
      // And the connection goes on: stream timeline 2 from its start.
      const next = await startReplication(c, { lsn: switchpoint, timeline: 2 });
      const more = await captureWal(next, switchpoint, switchpoint + 1n);
      expect(more.data.length).toBeGreaterThan(0);
      expect(await next.finish()).toBeNull();
    });
  });

  it('answers a start at the switch point directly, without entering COPY', async () => {
    await withConnection(promoted, { replication: 'true' }, async (c) => {
      const stream = await startReplication(c, { lsn: switchpoint, timeline: 1 });
      const got = await captureWal(stream, switchpoint, undefined);
      expect(got.messages + got.keepalives).toBe(0);
      expect(await stream.finish()).toEqual({ nextTimeline: 2, nextStart: switchpoint });
      expect((await identifySystem(c)).timeline).toBe(2);
    });
  });
});
