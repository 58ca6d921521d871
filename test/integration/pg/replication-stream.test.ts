import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgServerError } from '../../../src/core/pg/connection/errors.js';
import {
  createReplicationSlot, identifySystem, readReplicationSlot,
} from '../../../src/core/pg/replication/commands.js';
import { startReplication } from '../../../src/core/pg/replication/stream.js';
import { formatLsn, parseLsn } from '../../../src/core/wal/lsn.js';
import { segmentStartOf } from '../../../src/core/wal/segment-name.js';
import { describeWithPg, generateWal, startCluster, switchWal, type PgCluster } from '../../harness/pg/index.js';
import { connectTo, withConnection } from './connect-helpers.js';
import { captureWal, walFromDisk } from './wal-capture.js';

const MB = 1024 * 1024;

describeWithPg('START_REPLICATION streaming', (major) => {
  let cluster: PgCluster;
  const segSize = 16 * MB;

  beforeAll(async () => {
    cluster = await startCluster(major, { fsync: false, name: `pg${major}-stream` });
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('streams a few MB from a segment start, byte for byte what pg_wal holds', async () => {
    const first = await generateWal(cluster, 3 * MB);
    await switchWal(cluster);
    const second = await generateWal(cluster, 2 * MB);
    const start = segmentStartOf(first.start, segSize);
    await withConnection(cluster, { replication: 'true' }, async (c) => {
      const stream = await startReplication(c, { lsn: start, timeline: 1 });
      const got = await captureWal(stream, start, second.end);
      expect(got.endedBy).toBe('target');
      expect(await stream.finish()).toBeNull();
      // Crosses at least one segment boundary (the switch) and covers both generated ranges.
      expect(start + BigInt(got.data.length)).toBeGreaterThanOrEqual(second.end);
      expect(got.data.length).toBeGreaterThan(16 * MB);
      const disk = await walFromDisk(cluster.walDir, 1, start, got.data.length, segSize);
      expect(got.data.equals(disk)).toBe(true);
      // The stream ended cleanly: the same connection runs commands again.
      expect((await identifySystem(c)).timeline).toBe(1);
    });
  });

  it('bounds what it buffers for a slow consumer, and loses nothing', async () => {
    const range = await generateWal(cluster, 4 * MB);
    const start = segmentStartOf(range.start, segSize);
    const limit = 512 * 1024;
    const c = await connectTo(cluster, { replication: 'true' }, { receiveBufferBytes: limit });
    try {
      const stream = await startReplication(c, { lsn: start });
      let peakDuringRun = 0;
      const got = await captureWal(stream, start, range.end, {
        onMessage: async () => {
          peakDuringRun = Math.max(peakDuringRun, c.receiveBuffer.buffered);
          await sleep(15);
        },
      });
      await stream.finish();
      const disk = await walFromDisk(cluster.walDir, 1, start, got.data.length, segSize);
      expect(got.data.equals(disk)).toBe(true);
      // The bound, plus one XLogData (128 kB) being assembled and one socket read past it.
      expect(c.receiveBuffer.peak).toBeLessThanOrEqual(limit + 128 * 1024 + 64 * 1024 + 1024);
      expect(peakDuringRun).toBeGreaterThan(limit / 2);
    } finally {
      await c.close();
    }
  });

  it('standby status updates move a physical slot\'s restart_lsn to the flush position', async () => {
    const c = await connectTo(cluster, { replication: 'true' });
    try {
      await createReplicationSlot(c, 'ws_stream', { reserveWal: true });
      const range = await generateWal(cluster, 1 * MB, { method: 'message' });
      const restart = parseLsn((await cluster.sql("SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'ws_stream'")));
      const start = segmentStartOf(restart, segSize);
      const stream = await startReplication(c, { slot: 'ws_stream', lsn: start, timeline: 1 });
      const got = await captureWal(stream, start, range.end);
      const flushed = start + BigInt(got.data.length);
      stream.sendStatus({ write: flushed, flush: flushed, apply: 0n, replyRequested: false });
      await stream.drain();
      await expect
        .poll(async () => parseLsn(await cluster.sql("SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'ws_stream'")), {
          timeout: 10_000,
        })
        .toBe(flushed);
      await stream.finish();
      if (major >= 15) expect((await readReplicationSlot(c, 'ws_stream')).restartLsn).toBe(flushed);
      await c.query('DROP_REPLICATION_SLOT ws_stream');
    } finally {
      await c.close();
    }
  });

  it('reports a start ahead of the flush position as a server error, and stays usable', async () => {
    await withConnection(cluster, { replication: 'true' }, async (c) => {
      const { xlogpos } = await identifySystem(c);
      const ahead = segmentStartOf(xlogpos, segSize) + 4n * BigInt(segSize);
      const stream = await startReplication(c, { lsn: ahead });
      const iterate = async (): Promise<void> => {
        for await (const _ of stream) throw new Error('no WAL expected');
      };
      const error = await iterate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PgServerError);
      expect((error as PgServerError).message).toMatch(
        new RegExp(`^requested starting point ${formatLsn(ahead).replace('/', '\\/')} is ahead of the WAL flush position`),
      );
      expect((await identifySystem(c)).timeline).toBe(1);
    });
  });

  it('ends with null when the server shuts down (last: stops the cluster)', async () => {
    const c = await connectTo(cluster, { replication: 'true' });
    try {
      const { xlogpos } = await identifySystem(c);
      const start = segmentStartOf(xlogpos, segSize);
      const stream = await startReplication(c, { lsn: start });
      const capture = captureWal(stream, start, undefined);
      // Let it catch up to the current end, then stop the server underneath the stream.
      await sleep(500);
      await cluster.stop('fast');
      const got = await capture;
      expect(got.endedBy).toBe('server');
      expect(await stream.finish()).toBeNull();
      expect(c.isOpen).toBe(false);
    } finally {
      await c.close();
    }
  });
});
