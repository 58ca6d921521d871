import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ObjectArchive } from '../../../src/core/archive/s3/object-archive.js';
import { errorCodeOf, type S3Client } from '../../../src/core/archive/s3/s3-client.js';
import {
  newBucket, objectStore, objectStoreUnavailableReason, s3Env, testClient, type ObjectStore, writeS3Config,
} from '../../harness/objstore/object-store.js';
import { backupHistoryText, makeSegment, SYSID } from '../../unit/tools/archive-hooks/wal-fixtures.js';
import { getObject, inParallel, keysIn, putObject, runTool } from './helpers.js';

// The archive hooks against a real S3 store: the RADOS Gateway of a one-node Ceph cluster
// (test/harness/objstore). Every test has a bucket of its own.
const unavailable = objectStoreUnavailableReason();
const suite = unavailable === undefined ? describe : describe.skip;

const SEG = '000000010000000000000003';
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

suite(`archivewal, restorewal and archivecleanup on S3${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, () => {
  let store: ObjectStore;
  let work: string;
  let env: NodeJS.ProcessEnv;
  /** Everything the tools printed: the secret must never be in it. */
  const printed: string[] = [];

  beforeAll(async () => {
    store = await objectStore();
    work = await mkdtemp(join(tmpdir(), 'ws-s3-hooks-'));
    await mkdir(join(work, 'pg_wal'));
    env = s3Env(store, work);
  });
  afterAll(async () => {
    expect(printed.join('\n')).not.toContain(store.secretKey);
    await rm(work, { recursive: true, force: true });
  });

  const run = async (tool: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const result = await runTool(tool, args, { ...env, ...extraEnv }, { cwd: work });
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const place = async (name: string, data: Buffer | string): Promise<string> => {
    await writeFile(join(work, 'pg_wal', name), data);
    return `pg_wal/${name}`;
  };
  const withBucket = async (label: string): Promise<{ bucket: string; client: S3Client }> => {
    const bucket = await newBucket(store, label);
    return { bucket, client: testClient(store, bucket) };
  };

  it('publishes a segment with its checksums and the system identifier, and restores it', async () => {
    const { bucket, client } = await withBucket('push');
    const segment = makeSegment({ name: SEG, fill: 7 });
    const pushed = await run('archivewal', [await place(SEG, segment), `s3://${bucket}/cluster1`]);
    expect([pushed.code, pushed.stderr]).toEqual([0, '']);
    expect(await keysIn(client)).toEqual(['cluster1/.warmstandby-system-identifier', `cluster1/${SEG}`]);
    const object = await getObject(client, `cluster1/${SEG}`);
    expect(object?.data.equals(segment)).toBe(true);
    expect(object?.headers['x-amz-meta-warmstandby-sha256']).toBe(sha256(segment));
    expect((await getObject(client, 'cluster1/.warmstandby-system-identifier'))?.data.toString()).toBe(`${SYSID}\n`);

    const restored = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', `s3://${bucket}/cluster1`]);
    expect([restored.code, restored.stderr]).toEqual([0, '']);
    expect((await readFile(join(work, 'pg_wal', 'RECOVERYXLOG'))).equals(segment)).toBe(true);
    client.close();
  });

  it('treats an identical re-push as success and refuses different content, leaving the object alone', async () => {
    const { bucket, client } = await withBucket('repush');
    const first = makeSegment({ name: SEG, fill: 7 });
    const url = `s3://${bucket}`;
    expect((await run('archivewal', [await place(SEG, first), url])).code).toBe(0);
    const again = await run('archivewal', [await place(SEG, first), url]);
    expect([again.code, again.stderr]).toEqual([0, `archivewal: "${SEG}" is already archived as "${SEG}" with identical content\n`]);
    const other = await run('archivewal', [await place(SEG, makeSegment({ name: SEG, fill: 8 })), url]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`the archive already holds "${SEG}" with different content`);
    expect((await getObject(client, SEG))?.data.equals(first)).toBe(true);
    client.close();
  });

  it('lets 16 concurrent pushes of one segment all succeed with exactly one object of the right bytes', async () => {
    const { bucket, client } = await withBucket('race');
    const segment = makeSegment({ name: SEG, fill: 3 });
    const source = await place(SEG, segment);
    const results = await Promise.all(Array.from({ length: 16 }, () => run('archivewal', [source, `s3://${bucket}/race`])));
    expect(results.map((result) => result.code)).toEqual(Array(16).fill(0));
    expect(await keysIn(client)).toEqual(['race/.warmstandby-system-identifier', `race/${SEG}`]);
    expect((await getObject(client, `race/${SEG}`))?.data.equals(segment)).toBe(true);
    client.close();
  });

  it('refuses a segment of another database system', async () => {
    const { bucket, client } = await withBucket('foreign');
    expect((await run('archivewal', [await place(SEG, makeSegment({ name: SEG })), `s3://${bucket}`])).code).toBe(0);
    const next = '000000010000000000000004';
    const foreign = await run('archivewal', [await place(next, makeSegment({ name: next, systemIdentifier: '7300000000000000999' })), `s3://${bucket}`]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('belongs to database system 7300000000000000999');
    expect(await keysIn(client)).not.toContain(next);
    // One planted behind the guard's back is refused by restorewal with the fatal status.
    await putObject(client, next, makeSegment({ name: next, systemIdentifier: '7300000000000000999' }));
    const restored = await run('restorewal', [next, 'pg_wal/RECOVERYXLOG', `s3://${bucket}`]);
    expect(restored.code).toBe(151);
    client.close();
  });

  it('answers "not in the archive" with 1 and a damaged object with the fatal status', async () => {
    const { bucket, client } = await withBucket('restore');
    const missing = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', `s3://${bucket}`]);
    expect([missing.code, missing.stderr]).toEqual([1, '']);
    const segment = makeSegment({ name: SEG, fill: 5 });
    expect((await run('archivewal', [await place(SEG, segment), `s3://${bucket}`])).code).toBe(0);
    // Rewritten in place with one byte changed but the original checksum kept: bit rot.
    const damaged = Buffer.from(segment);
    damaged[100_000] = 0x55;
    await putObject(client, SEG, damaged, { 'x-amz-meta-warmstandby-sha256': sha256(segment) });
    const restored = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', `s3://${bucket}`]);
    expect(restored.code).toBe(152);
    expect(restored.stderr).toContain('does not match the SHA-256 recorded when it was archived');
    client.close();
  });

  it('round-trips compressed segments and history files; history files are never compressed', async () => {
    const { bucket, client } = await withBucket('zstd');
    const segment = makeSegment({ name: SEG, fill: 9 });
    expect((await run('archivewal', ['-Z', 'zstd', await place(SEG, segment), `s3://${bucket}/z`])).code).toBe(0);
    const history = '1\t0/3000000\tno recovery target specified\n';
    expect((await run('archivewal', ['-Z', 'gzip', await place('00000002.history', history), `s3://${bucket}/z`])).code).toBe(0);
    expect(await keysIn(client)).toEqual(['z/.warmstandby-system-identifier', `z/${SEG}.zst`, 'z/00000002.history']);
    // Compressed and already there: compared by the recorded content checksum, no download.
    expect((await run('archivewal', ['-Z', 'zstd', await place(SEG, segment), `s3://${bucket}/z`])).code).toBe(0);
    const restored = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', `s3://${bucket}/z`]);
    expect(restored.code).toBe(0);
    expect((await readFile(join(work, 'pg_wal', 'RECOVERYXLOG'))).equals(segment)).toBe(true);
    client.close();
  });

  it('takes credentials from a 0600 config file and refuses one readable by others', async () => {
    const { bucket, client } = await withBucket('config');
    const config = join(work, 's3.conf');
    writeS3Config(store, config);
    const noEnv = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_ENDPOINT_URL: '' };
    const segment = makeSegment({ name: SEG });
    const pushed = await run('archivewal', ['--s3-config', config, await place(SEG, segment), `s3://${bucket}`], noEnv);
    expect([pushed.code, pushed.stderr]).toEqual([0, '']);
    // The variable works for the plain form archive_command uses.
    const viaVariable = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', `s3://${bucket}`], { ...noEnv, WARMSTANDBY_S3_CONFIG: config });
    expect(viaVariable.code).toBe(0);
    await chmod(config, 0o644);
    const refused = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', `s3://${bucket}`], { ...noEnv, WARMSTANDBY_S3_CONFIG: config });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('holds a secret and has group or world access (mode 644)');
    client.close();
  });

  it('verifies the TLS certificate of an https endpoint unless given the CA that signed it', async () => {
    const { bucket, client } = await withBucket('tls');
    const segment = makeSegment({ name: SEG, fill: 2 });
    // No retries for a certificate that does not verify: the default budget would show here.
    const started = Date.now();
    const unverified = await run('archivewal', [await place(SEG, segment), `s3://${bucket}?endpoint=${store.tlsEndpoint}`]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(unverified.code).toBe(1);
    expect(unverified.stderr).toMatch(/Cannot reach the S3 endpoint https:\/\/127\.0\.0\.1:\d+ .*(SELF_SIGNED|self-signed|unable to verify)/i);
    expect(await keysIn(client)).toEqual([]);
    const verified = await run('archivewal', [await place(SEG, segment), `s3://${bucket}?endpoint=${store.tlsEndpoint}&ca-file=${store.caFile}`]);
    expect([verified.code, verified.stderr]).toEqual([0, '']);
    // AWS_CA_BUNDLE, as the AWS CLI reads it, works too.
    const restored = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', `s3://${bucket}?endpoint=${store.tlsEndpoint}`], { AWS_CA_BUNDLE: store.caFile });
    expect(restored.code).toBe(0);
    client.close();
  });

  it('binds every body to its SHA-256 in the signature, over TLS and plain HTTP alike', async () => {
    const { bucket, client } = await withBucket('payload');
    const tls = testClient(store, bucket, { tls: true });
    const body = Buffer.from('the bytes meant to be stored');
    const other = Buffer.from('other bytes');
    // The service refuses bytes that the signed hash does not name, on either transport…
    for (const [transport, key] of [[tls, 'tls'], [client, 'http']] as const) {
      const mismatched = await transport.send({ method: 'PUT', key, body, bodySha256: sha256(other) });
      expect([key, mismatched.status, errorCodeOf(mismatched)]).toEqual([key, 400, 'XAmzContentSHA256Mismatch']);
    }
    // …and the archive signs every object it publishes with the hash of the bytes it read.
    const sent = vi.spyOn(tls, 'send');
    expect(await new ObjectArchive(tls, '').createIfAbsent({ name: SEG, body: { kind: 'bytes', data: body } })).toBe('created');
    const put = sent.mock.calls.map(([request]) => request).find((request) => request.method === 'PUT');
    expect(put?.bodySha256).toBe(sha256(body));
    expect(await keysIn(client)).toEqual([SEG]);
    expect((await getObject(client, SEG))?.data).toEqual(body);
    tls.close();
    client.close();
  });

  it('refuses credentials in the URL and names no secret', async () => {
    const leaked = await run('archivewal', [await place(SEG, makeSegment({ name: SEG })), `s3://AKIA:${store.secretKey}@bucket/x`]);
    expect(leaked.code).toBe(2);
    expect(leaked.stderr).toContain('credentials do not belong in a URL');
    const inQuery = await run('restorewal', [SEG, 'pg_wal/X', `s3://bucket/x?secret_access_key=${store.secretKey}`]);
    expect(inQuery.code).toBe(2);
    expect(inQuery.stderr).toContain('looks like a credential');
  });

  it('chooses and removes exactly what it removes from a directory holding the same 20,000 names', async () => {
    const { bucket, client } = await withBucket('cleanup');
    const names: string[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const timeline = (i % 3) + 1;
      const segment = `${timeline.toString(16).padStart(8, '0').toUpperCase()}${(Math.floor(i / 256)).toString(16).padStart(8, '0').toUpperCase()}${(i % 256).toString(16).padStart(8, '0').toUpperCase()}`;
      const kind = i % 10;
      names.push(kind === 0 ? `${segment}.partial` : kind === 1 ? `${segment}.gz` : kind === 2 ? `${segment}.00000028.backup` : segment);
    }
    names.push('00000002.history', '00000003.history', 'README', '.warmstandby-system-identifier');
    const dir = join(work, 'cleanup-dir');
    await mkdir(dir);
    for (const name of names) writeFileSync(join(dir, name), '');
    await inParallel(names.length, 48, async (index) => putObject(client, `pfx/${names[index] ?? ''}`, Buffer.alloc(0)));
    const cutoff = '00000001000000200000007F';
    const dry = await run('archivecleanup', ['-n', '-b', `s3://${bucket}/pfx`, cutoff]);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(5000);
    const fromBucket = await run('archivecleanup', ['--json', '-b', `s3://${bucket}/pfx`, cutoff]);
    const fromDir = await run('archivecleanup', ['--json', '-b', dir, cutoff]);
    expect([fromBucket.code, fromDir.code]).toEqual([0, 0]);
    const removedFromBucket = (JSON.parse(fromBucket.stdout) as { removed: string[] }).removed.sort();
    const removedFromDir = (JSON.parse(fromDir.stdout) as { removed: string[] }).removed.sort();
    expect(removedFromBucket).toEqual(removedFromDir);
    expect(dry.stdout.split('\n').filter(Boolean).map((line) => line.slice(`s3://${bucket}/pfx/`.length)).sort()).toEqual(removedFromDir);
    const left = (await keysIn(client, 'pfx/')).map((key) => key.slice(4));
    expect(left).toEqual((await readdir(dir)).sort());
    client.close();
  }, 300_000);

  describe('when the store goes away mid-push', () => {
    let proxy: Server;
    let proxyPort: number;
    const sockets = new Set<Socket>();
    /** Bytes let through per connection before it is cut; Infinity passes everything. */
    let cutAfter = Number.POSITIVE_INFINITY;

    beforeAll(async () => {
      const target = new URL(store.endpoint);
      proxy = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        sockets.add(client).add(upstream);
        let passed = 0;
        client.on('data', (chunk: Buffer) => {
          passed += chunk.length;
          if (passed > cutAfter) {
            client.destroy();
            upstream.destroy();
            return;
          }
          upstream.write(chunk);
        });
        upstream.pipe(client);
        const end = (): void => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyPort = (proxy.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    });

    it('fails clearly, leaves nothing under the final name, and the next push succeeds', async () => {
      const { bucket, client } = await withBucket('cut');
      // The system identifier goes first (small), then the segment's PUT is cut after ~4 MB.
      cutAfter = 4 * 1024 * 1024;
      const segment = makeSegment({ name: SEG, fill: 1 });
      const url = `s3://${bucket}?endpoint=http://127.0.0.1:${proxyPort}&retry-seconds=2`;
      const cut = await run('archivewal', [await place(SEG, segment), url]);
      expect(cut.code).toBe(1);
      expect(cut.stderr).toMatch(/^archivewal: error: Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:\d+ for "s3:\/\/[^"]+\/000000010000000000000003": \w+/m);
      expect(cut.stderr).not.toContain(store.secretKey);
      expect(await keysIn(client)).not.toContain(SEG);
      cutAfter = Number.POSITIVE_INFINITY;
      const next = await run('archivewal', [await place(SEG, segment), url]);
      expect([next.code, next.stderr]).toEqual([0, '']);
      expect((await getObject(client, SEG))?.data.equals(segment)).toBe(true);
      client.close();
    });

    it('reports an unreachable store with status 3 from restorewal once its retries are spent', async () => {
      const refused = await run('restorewal', [SEG, 'pg_wal/RECOVERYXLOG', 's3://bucket?endpoint=http://127.0.0.1:1&retry-seconds=1']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('Cannot reach the S3 endpoint http://127.0.0.1:1');
    });
  });

  it('keeps backup history files plain and --latest-backup works on a bucket', async () => {
    const { bucket, client } = await withBucket('latest');
    for (const n of [3, 4, 5, 6]) {
      const name = `0000000100000000000000${n.toString(16).padStart(2, '0').toUpperCase()}`;
      expect((await run('archivewal', [await place(name, makeSegment({ name })), `s3://${bucket}`])).code).toBe(0);
    }
    const backup = '000000010000000000000005.00000028.backup';
    expect((await run('archivewal', [await place(backup, backupHistoryText('000000010000000000000005', '00000028')), `s3://${bucket}`])).code).toBe(0);
    const cleaned = await run('archivecleanup', ['--latest-backup', '--json', `s3://${bucket}`]);
    expect(cleaned.code).toBe(0);
    expect((JSON.parse(cleaned.stdout) as { removed: string[] }).removed.sort()).toEqual(['000000010000000000000003', '000000010000000000000004']);
    expect(await keysIn(client)).toEqual(['.warmstandby-system-identifier', '000000010000000000000005', backup, '000000010000000000000006']);
    client.close();
  });
});
