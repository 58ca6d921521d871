import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3Client } from '../../../src/core/archive/s3/s3-client.js';
import { CEPH_TOOLS, newBucket, objectStore, testClient, writeS3Config } from '../../harness/objstore/object-store.js';
import {
  chownToServerUser, describeWithPg, generateWal, makeTempDir, startCluster, startStandby, switchWal, waitFor, waitForReplay,
  type PgCluster,
} from '../../harness/pg/index.js';
import { dataFingerprint, hook } from '../archive/helpers.js';
import { keysIn } from './helpers.js';

const PREFETCH = 6;

// An archive-only standby replaying from a bucket with restorewal --prefetch. It starts only
// once the bucket holds a backlog of segments it needs (the case prefetching exists for):
// a standby that follows the archive's head is served each segment straight by the hook as
// it appears, and whether the prefetcher or the hook gets there first is a matter of timing.
describeWithPg('restorewal --prefetch from an S3 bucket', (major) => {
  let primary: PgCluster | undefined;
  let standby: PgCluster | undefined;
  let client: S3Client;
  let spool: string;
  let largestSpool = 0;
  let sampling: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const store = await objectStore();
    const bucket = await newBucket(store, `prefetch${major}`);
    client = testClient(store, bucket);
    const dir = makeTempDir('ws-s3-prefetch-');
    const config = join(dir, 's3.conf');
    writeS3Config(store, config);
    await chownToServerUser(config);
    spool = join(dir, 'spool');
    const url = `s3://${bucket}/wal`;
    primary = await startCluster(major, { walSegmentSizeMB: 1, archive: { mode: 'on', command: hook('archivewal', `--s3-config ${config} %p ${url}`) } });
    standby = await startStandby(primary, {
      streaming: false,
      restoreCommand: hook('restorewal', `--s3-config ${config} --prefetch ${PREFETCH} --spool ${spool} --idle-exit 5 %f %p ${url}`),
      start: false,
    });
    sampling = setInterval(() => {
      if (existsSync(spool)) largestSpool = Math.max(largestSpool, readdirSync(spool).filter((n) => /^[0-9A-F]{24}$/.test(n)).length);
    }, 20);
  });
  afterAll(async () => {
    if (sampling !== undefined) clearInterval(sampling);
    await standby?.destroy();
    await primary?.destroy();
    client?.close();
  });

  it('replays the primary\'s data, with at most N segments waiting in the spool', async () => {
    if (primary === undefined || standby === undefined) throw new Error('clusters did not start');
    await primary.sql('CREATE TABLE pgbench_accounts (aid int, abalance int, filler text); INSERT INTO pgbench_accounts SELECT g, g, md5(g::text) FROM generate_series(1, 50000) g');
    await generateWal(primary, 16 * 1024 * 1024, { method: 'message' });
    const { lsn, segment } = await switchWal(primary);
    await waitFor(async () => (await keysIn(client, `wal/${segment}`)).length > 0, { timeoutMs: 90_000, description: `${segment} in the bucket` });
    await standby.start();
    await waitForReplay(standby, lsn, 180_000);
    expect(await dataFingerprint(standby)).toBe(await dataFingerprint(primary));
    expect(largestSpool).toBeGreaterThan(0);
    expect(largestSpool).toBeLessThanOrEqual(PREFETCH);
    expect(readFileSync(join(spool, 'prefetcher.log'), 'utf8')).toMatch(/fetched "[0-9A-F]{24}"/);
  });
}, { tools: [...CEPH_TOOLS] });
