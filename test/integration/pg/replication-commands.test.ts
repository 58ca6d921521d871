import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, WarmstandbyError } from '../../../src/core/errors.js';
import { PgServerError } from '../../../src/core/pg/connection/errors.js';
import type { PgConnection } from '../../../src/core/pg/connection/pg-connection.js';
import {
  createReplicationSlot, dropReplicationSlot, identifySystem, readReplicationSlot, showSetting,
} from '../../../src/core/pg/replication/commands.js';
import { parseLsn } from '../../../src/core/wal/lsn.js';
import { describeWithPg, startCluster, type PgCluster } from '../../harness/pg/index.js';
import { connectTo, withConnection } from './connect-helpers.js';

describeWithPg('replication commands', (major) => {
  let cluster: PgCluster;
  let c: PgConnection;

  const slotRow = async (name: string): Promise<(string | null)[] | undefined> =>
    (await cluster.sqlRows(`SELECT slot_type, restart_lsn, temporary FROM pg_replication_slots WHERE slot_name = '${name}'`))[0];

  beforeAll(async () => {
    cluster = await startCluster(major, { fsync: false, name: `pg${major}-replcmd` });
    c = await connectTo(cluster, { replication: 'true' });
  });
  afterAll(async () => {
    await c?.close();
    await cluster?.destroy();
  });

  it('IDENTIFY_SYSTEM on a physical walsender', async () => {
    const before = await cluster.currentLsn();
    const identity = await identifySystem(c);
    expect(identity.systemId).toBe(await cluster.systemIdentifier());
    expect(identity.timeline).toBe(1);
    expect(identity.dbname).toBeNull();
    expect(identity.xlogpos).toBeGreaterThanOrEqual(before);
    expect(identity.xlogpos).toBeLessThanOrEqual(await cluster.currentLsn());
  });

  it('IDENTIFY_SYSTEM on a database walsender reports the database', async () => {
    await withConnection(cluster, { replication: 'database' }, async (db) => {
      expect((await identifySystem(db)).dbname).toBe('postgres');
    });
  });

  it('SHOW wal_segment_size and data_directory_mode', async () => {
    expect(await showSetting(c, 'wal_segment_size')).toBe('16MB');
    expect(await showSetting(c, 'data_directory_mode')).toBe('0700');
    await expect(showSetting(c, 'x; DROP')).rejects.toBeInstanceOf(ValidationError);
    await expect(showSetting(c, 'no_such_setting')).rejects.toMatchObject({ sqlstate: '42704' });
  });

  it('CREATE_REPLICATION_SLOT with RESERVE_WAL reserves at once; a duplicate fails with 42710', async () => {
    await createReplicationSlot(c, 'ws_reserved', { reserveWal: true });
    const [type, restart, temporary] = (await slotRow('ws_reserved')) ?? [];
    expect(type).toBe('physical');
    expect(restart).not.toBeNull();
    expect(temporary).toBe('f');
    const duplicate = await createReplicationSlot(c, 'ws_reserved').catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(PgServerError);
    expect(duplicate).toMatchObject({ sqlstate: '42710', message: 'replication slot "ws_reserved" already exists' });
    // The connection is still good after the error.
    expect((await identifySystem(c)).timeline).toBe(1);
  });

  it('CREATE_REPLICATION_SLOT without RESERVE_WAL leaves restart_lsn empty', async () => {
    await createReplicationSlot(c, 'ws_lazy');
    expect((await slotRow('ws_lazy'))?.[1]).toBeNull();
  });

  it('a TEMPORARY slot lives as long as its connection', async () => {
    const owner = await connectTo(cluster, { replication: 'true' });
    await createReplicationSlot(owner, 'ws_temp', { temporary: true, reserveWal: true });
    expect((await slotRow('ws_temp'))?.[2]).toBe('t');
    await owner.close();
    await expect.poll(() => slotRow('ws_temp'), { timeout: 10_000 }).toBeUndefined();
  });

  it('refuses slot names the server would refuse, before sending anything', async () => {
    for (const name of ['bad"name', 'Upper', '', 'a'.repeat(64), 'semi;colon']) {
      await expect(createReplicationSlot(c, name)).rejects.toMatchObject({ code: 'invalid-slot-name' });
    }
    // The longest legal name goes through the (quoted) command and back.
    await createReplicationSlot(c, 'a'.repeat(63));
    expect((await slotRow('a'.repeat(63)))?.[0]).toBe('physical');
    await dropReplicationSlot(c, 'a'.repeat(63));
  });

  if (major >= 15) {
    it('READ_REPLICATION_SLOT: position of a slot, nulls for a missing one', async () => {
      const restart = parseLsn(((await slotRow('ws_reserved'))?.[1]) ?? '');
      expect(await readReplicationSlot(c, 'ws_reserved')).toEqual({ slotType: 'physical', restartLsn: restart, restartTli: 1 });
      expect(await readReplicationSlot(c, 'ws_missing')).toEqual({ slotType: null, restartLsn: null, restartTli: null });
    });
  } else {
    it('READ_REPLICATION_SLOT is refused clearly before 15', async () => {
      const error = await readReplicationSlot(c, 'ws_reserved').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarmstandbyError);
      expect(error).toMatchObject({ code: 'unsupported-server-version' });
      expect((error as Error).message).toMatch(/^Cannot run READ_REPLICATION_SLOT: it needs PostgreSQL 15 or later, the server is 14\./);
    });
  }

  describe('DROP_REPLICATION_SLOT', () => {
    it('drops, with and without WAIT; a missing slot fails with 42704', async () => {
      await dropReplicationSlot(c, 'ws_reserved');
      await dropReplicationSlot(c, 'ws_lazy', { wait: true });
      expect(await slotRow('ws_reserved')).toBeUndefined();
      expect(await slotRow('ws_lazy')).toBeUndefined();
      await expect(dropReplicationSlot(c, 'ws_reserved')).rejects.toMatchObject({ sqlstate: '42704' });
    });
  });

  it('refuses SQL on a physical walsender with the server error', async () => {
    await expect(c.query('SELECT 1')).rejects.toBeInstanceOf(PgServerError);
  });
});
