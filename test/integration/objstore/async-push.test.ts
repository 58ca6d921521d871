import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3Client } from '../../../src/core/archive/s3/s3-client.js';
import { CEPH_TOOLS, newBucket, objectStore, testClient, writeS3Config } from '../../harness/objstore/object-store.js';
import { chownToServerUser, describeWithPg, makeTempDir, startCluster, switchWal, waitFor, type PgCluster } from '../../harness/pg/index.js';
import { archiverStats, hook, runLoad } from '../archive/helpers.js';
import { getObject, keysIn } from './helpers.js';

// archivewal --async into an S3 bucket: the pusher keeps one connection and pushes ahead.
describeWithPg('archivewal --async into an S3 bucket', (major) => {
  let primary: PgCluster | undefined;
  let client: S3Client;
  let spool: string;

  beforeAll(async () => {
    const store = await objectStore();
    const bucket = await newBucket(store, `async${major}`);
    client = testClient(store, bucket);
    const dir = makeTempDir('ws-s3-async-');
    const config = join(dir, 's3.conf');
    writeS3Config(store, config);
    await chownToServerUser(config);
    spool = join(dir, 'spool');
    primary = await startCluster(major, {
      walSegmentSizeMB: 1,
      archive: { mode: 'on', command: hook('archivewal', `--async --spool ${spool} --idle-exit 3 --s3-config ${config} %p s3://${bucket}/wal`) },
      conf: ["wal_keep_size = '512MB'"],
    });
  });
  afterAll(async () => {
    await primary?.destroy();
    client?.close();
  });

  it('archives a pgbench load, every segment byte-identical, nothing failed', async () => {
    if (primary === undefined) throw new Error('cluster did not start');
    await runLoad(primary, 3);
    const { segment } = await switchWal(primary);
    await waitFor(async () => (await archiverStats(primary as PgCluster)).lastArchived === segment, {
      timeoutMs: 120_000,
      description: `archiving of ${segment}`,
    });
    expect((await archiverStats(primary)).failed).toBe(0);
    const names = (await keysIn(client, 'wal/')).map((key) => key.slice(4)).filter((name) => /^[0-9A-F]{24}$/.test(name));
    expect(names).toContain(segment);
    for (const name of names) {
      if (!existsSync(join(primary.walDir, name))) continue;
      expect((await getObject(client, `wal/${name}`))?.data.equals(readFileSync(join(primary.walDir, name))), name).toBe(true);
    }
  });
}, { tools: [...CEPH_TOOLS] });
