import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3Client } from '../../../src/core/archive/s3/s3-client.js';
import { validateSegmentHeader } from '../../../src/core/wal/page-header.js';
import { CEPH_TOOLS, newBucket, objectStore, testClient, type ObjectStore, writeS3Config } from '../../harness/objstore/object-store.js';
import {
  chownToServerUser, describeWithPg, makeTempDir, startCluster, startStandby, switchWal, waitFor, waitForReplay,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';
import { archiverStats, dataFingerprint, hook, runLoad } from '../archive/helpers.js';
import { getObject, keysIn } from './helpers.js';

const MB = 1024 * 1024;
const SEGMENT = /^[0-9A-F]{24}$/;

/** The hooks' settings file, owned by the server's user (mode 0600). */
const writeConfig = async (store: ObjectStore, dir: string): Promise<string> => {
  const path = join(dir, 's3.conf');
  writeS3Config(store, path);
  await chownToServerUser(path);
  return path;
};

const waitForObject = async (client: S3Client, key: string, timeoutMs = 90_000): Promise<void> => {
  await waitFor(async () => (await keysIn(client, key)).includes(key), { timeoutMs, description: `${key} in the bucket` });
};

// Log shipping with the archive in a real S3 store (Ceph RGW): archivewal on the primary,
// restorewal and archivecleanup on an archive-only standby, a pgbench load, then promotion.
describeWithPg('log shipping through an S3 bucket', (major) => {
  let primary: PgCluster | undefined;
  let standby: PgCluster | undefined;
  let store: ObjectStore;
  let client: S3Client;
  let url: string;

  beforeAll(async () => {
    store = await objectStore();
    const bucket = await newBucket(store, `ship${major}`);
    client = testClient(store, bucket);
    url = `s3://${bucket}/cluster`;
    const config = await writeConfig(store, makeTempDir('ws-s3-conf-'));
    primary = await startCluster(major, {
      walSegmentSizeMB: 1,
      archive: { mode: 'on', command: hook('archivewal', `--s3-config ${config} %p ${url}`) },
      conf: ['checkpoint_timeout = 30s'],
    });
    standby = await startStandby(primary, {
      streaming: false,
      restoreCommand: hook('restorewal', `--s3-config ${config} %f %p ${url}`),
      conf: [`archive_cleanup_command = '${hook('archivecleanup', `--s3-config ${config} ${url} %r`)}'`],
    });
  });
  afterAll(async () => {
    await standby?.destroy();
    await primary?.destroy();
    client?.close();
  });

  it('replays a pgbench load from the bucket and prunes it behind the restart point', async () => {
    if (primary === undefined || standby === undefined) throw new Error('clusters did not start');
    await runLoad(primary, 4);
    await primary.sql('CHECKPOINT');
    const { lsn, segment } = await switchWal(primary);
    await waitForObject(client, `cluster/${segment}`);
    await waitForReplay(standby, lsn, 120_000);
    expect(await dataFingerprint(standby)).toBe(await dataFingerprint(primary));
    expect((await archiverStats(primary)).failed).toBe(0);

    const segments = async () => (await keysIn(client, 'cluster/')).map((key) => key.slice(8)).filter((name) => SEGMENT.test(name));
    const before = await segments();
    await standby.sql('CHECKPOINT');
    const redo = await standby.sql('SELECT redo_wal_file FROM pg_control_checkpoint()');
    await waitFor(async () => (await segments()).every((name) => name.slice(8) >= redo.slice(8)), {
      timeoutMs: 60_000,
      description: `bucket pruned below ${redo}`,
    });
    const after = await segments();
    expect(after.length).toBeLessThan(before.length);
    expect(after).toContain(redo);
    expect((await getObject(client, 'cluster/.warmstandby-system-identifier'))?.data.toString()).toBe(`${await primary.systemIdentifier()}\n`);
  });

  it('archives the new timeline history file after promotion; both sides hold the same data', async () => {
    if (primary === undefined || standby === undefined) throw new Error('clusters did not start');
    await primary.sql('UPDATE pgbench_accounts SET abalance = abalance + 7 WHERE aid <= 100');
    const { lsn, segment } = await switchWal(primary);
    await waitForObject(client, `cluster/${segment}`);
    await waitForReplay(standby, lsn, 120_000);
    const expected = await dataFingerprint(primary);
    await primary.stop('fast');
    await standby.promote();
    await waitForObject(client, 'cluster/00000002.history');
    const history = await getObject(client, 'cluster/00000002.history');
    expect(history?.data.toString()).toBe(await readFile(join(standby.walDir, '00000002.history'), 'utf8'));
    expect(await dataFingerprint(standby)).toBe(expected);
    const next = await switchWal(standby);
    await waitForObject(client, `cluster/${next.segment}`);
    expect(next.segment.startsWith('00000002')).toBe(true);
    expect((await archiverStats(standby)).failed).toBe(0);
    const logs = (await primary.readLog()) + (await standby.readLog());
    expect(logs).not.toContain(store.secretKey);
  });
}, { tools: [...CEPH_TOOLS] });

// archive_mode = always on a primary and its streaming standby, both into one bucket: every
// push after the first of a name finds identical content and succeeds.
describeWithPg('a shared S3 archive (archive_mode = always)', (major) => {
  let primary: PgCluster | undefined;
  let standby: PgCluster | undefined;
  let client: S3Client;

  beforeAll(async () => {
    const store = await objectStore();
    const bucket = await newBucket(store, `shared${major}`);
    client = testClient(store, bucket);
    const config = await writeConfig(store, makeTempDir('ws-s3-conf-'));
    const archive = { mode: 'always' as const, command: hook('archivewal', `--s3-config ${config} %p s3://${bucket}`) };
    primary = await startCluster(major, { walSegmentSizeMB: 1, archive });
    standby = await startStandby(primary, { settings: { archive } });
  });
  afterAll(async () => {
    await standby?.destroy();
    await primary?.destroy();
    client?.close();
  });

  it('gets every segment once, from both servers, without a failure', async () => {
    if (primary === undefined || standby === undefined) throw new Error('clusters did not start');
    let last = '';
    let lastLsn = 0n;
    for (let i = 0; i < 8; i += 1) {
      await primary.sql('CREATE TABLE IF NOT EXISTS t (x text); INSERT INTO t SELECT repeat(md5(g::text), 20) FROM generate_series(1, 2000) g');
      const switched = await switchWal(primary);
      last = switched.segment;
      lastLsn = switched.lsn;
    }
    await waitForReplay(standby, lastLsn);
    for (const server of [primary, standby]) {
      await waitFor(async () => (await archiverStats(server)).lastArchived === last, { timeoutMs: 90_000, description: `${server.name} to archive ${last}` });
      expect((await archiverStats(server)).failed).toBe(0);
    }
    const systemIdentifier = await primary.systemIdentifier();
    const names = (await keysIn(client)).filter((name) => SEGMENT.test(name));
    expect(names).toContain(last);
    for (const name of names) {
      const data = (await getObject(client, name))?.data ?? Buffer.alloc(0);
      expect(data.length).toBe(MB);
      expect(validateSegmentHeader(data, { name, systemIdentifier, segmentSize: MB }).header.timeline).toBe(1);
    }
    const logs = (await primary.readLog()) + (await standby.readLog());
    expect(logs).toMatch(/archivewal: "[0-9A-F]{24}" is already archived as "[0-9A-F]{24}" with identical content/);
    expect(logs).not.toMatch(/archive command failed/);
  });
}, { tools: [...CEPH_TOOLS] });
