import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3Client } from '../../../src/core/archive/s3/s3-client.js';
import { CEPH_TOOLS, newBucket, objectStore, s3Env, testClient, type ObjectStore } from '../../harness/objstore/object-store.js';
import {
  describeWithPg, generateWal, lsnToText, makeTempDir, removeTempDir, startCluster, switchWal, waitFor, type PgCluster,
} from '../../harness/pg/index.js';
import {
  clientEnv, connectionArgs, exitOf, filesIn, receivewalInProcess, segmentNameOf, spawnReceivewal,
} from '../receivewal/helpers.js';
import { getObject, keysIn } from './helpers.js';

const MB = 1024 * 1024;
const SEG = 16 * MB;
const SEGMENT = /^[0-9A-F]{24}$/;

/**
 * receivewal --archive --synchronous into a bucket, killed with -9 during a load and
 * restarted: the bucket ends with every completed segment byte-identical to the server's,
 * and --remove-archived only ever removes segments the bucket holds.
 */
describeWithPg('receivewal --archive into an S3 bucket', (major) => {
  let primary: PgCluster;
  let store: ObjectStore;
  let client: S3Client;
  let bucket: string;
  let dir: string;

  beforeAll(async () => {
    store = await objectStore();
    bucket = await newBucket(store, `rw${major}`);
    client = testClient(store, bucket);
    primary = await startCluster(major, { name: `pg${major}-rw-s3`, conf: ["max_wal_size = '1GB'", "wal_keep_size = '1GB'"] });
    await primary.sql("SELECT pg_create_physical_replication_slot('ship', true)");
    dir = makeTempDir('ws-rw-s3-');
  });
  afterAll(async () => {
    client?.close();
    await primary?.destroy();
    if (dir !== undefined) removeTempDir(dir);
  });

  it('kill -9 during a load, restart: every segment in the bucket equals the server\'s', async () => {
    const args = ['-D', dir, '-S', 'ship', '--synchronous', '--archive', `s3://${bucket}/wal`, ...connectionArgs(primary)];
    const env = clientEnv(primary, s3Env(store, dir) as Record<string, string>);
    let generating: Promise<unknown> | undefined;
    for (let kill = 0; kill < 2; kill += 1) {
      const receiver = spawnReceivewal(args, env);
      if (generating === undefined) {
        // The load starts once streaming has: on 14 an empty directory starts at the server's
        // position, so WAL written before that would never reach the bucket.
        await waitFor(async () => filesIn(dir).some((name) => name.endsWith('.partial')), {
          timeoutMs: 30_000,
          description: 'receivewal to start streaming',
        });
        generating = generateWal(primary, 96 * MB, { method: 'message' });
      }
      await new Promise((resolve) => setTimeout(resolve, 1500 + Math.floor(Math.random() * 1500)));
      receiver.kill('SIGKILL');
      expect((await exitOf(receiver)).signal, receiver.output()).toBe('SIGKILL');
    }
    await generating;
    const { lsn } = await switchWal(primary);
    const segmentEnd = (lsn / BigInt(SEG) + 1n) * BigInt(SEG);
    // At --endpos receivewal waits until the archive holds everything completed.
    const last = await receivewalInProcess([...args, '-E', lsnToText(segmentEnd - 1n), '-n', '--remove-archived', '-v'], env);
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).not.toContain(store.secretKey);

    const inBucket = (await keysIn(client, 'wal/')).map((key) => key.slice(4)).filter((name) => SEGMENT.test(name));
    // Everything up to the segment before the switched one was complete before -E: all shipped.
    const beforeSwitch = segmentNameOf(1, lsn - BigInt(SEG), SEG);
    expect(inBucket.at(-1) !== undefined && (inBucket.at(-1) as string) >= beforeSwitch, inBucket.join(' ')).toBe(true);
    expect(inBucket.length).toBeGreaterThanOrEqual(4);
    for (const name of inBucket) {
      const object = await getObject(client, `wal/${name}`);
      expect(object?.data.equals(readFileSync(join(primary.walDir, name))), name).toBe(true);
    }
    // Contiguous: no hole between the first and the last segment shipped.
    const numbers = inBucket.map((name) => Number.parseInt(name.slice(16), 16) + Number.parseInt(name.slice(8, 16), 16) * 256);
    for (let i = 1; i < numbers.length; i += 1) expect(numbers[i]).toBe((numbers[i - 1] ?? 0) + 1);
    // --remove-archived: only the newest complete segment (the resume point) is kept locally.
    const local = filesIn(dir).filter((name) => SEGMENT.test(name));
    expect(local).toEqual([inBucket.at(-1)]);
  }, 300_000);
}, { tools: [...CEPH_TOOLS] });
