import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '../../../src/core/archive/s3/s3-client.js';
import { resolveS3Settings } from '../../../src/core/archive/s3/s3-settings.js';
import { findFreePort } from '../pg/ports.js';
import { testEnvironment } from '../pg/test-environment.js';
import { waitFor } from '../pg/wait.js';

/** How to reach the run's S3 store (the radosgw of a throw-away Ceph cluster). */
export interface ObjectStore {
  readonly endpoint: string;
  /** The same gateway over TLS, with a self-signed certificate for 127.0.0.1 ... */
  readonly tlsEndpoint: string;
  /** ... which is this PEM file. */
  readonly caFile: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
}

const SCRIPT = join(import.meta.dirname, 'rgw-cluster.sh');
/** The Ceph programs the cluster needs; the global setup probes them with the other tools. */
export const CEPH_TOOLS = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph-authtool', 'monmaptool'] as const;

/** Why the object store cannot run here, or undefined when it can. */
export const objectStoreUnavailableReason = (): string | undefined => {
  const tools = testEnvironment().tools;
  const missing = CEPH_TOOLS.filter((tool) => tools[tool]?.ok !== true);
  return missing.length === 0 ? undefined : `Ceph is not installed (${missing.join(', ')}): scripts/install-system-deps.sh`;
};

/** Where the run's cluster lives: in the run directory, so the global teardown stops it. */
export const clusterDirOf = (runDir: string): string => join(runDir, 'rgw');

let started: Promise<ObjectStore> | undefined;

/**
 * The run's one object store, started by the first test file that asks (4-13 s here) and
 * shared by every worker: a mkdir lock decides who starts it, the others wait for its env
 * file. Each test uses buckets of its own (newBucket), so files never see each other's
 * objects. Stopped by the global teardown (stopObjectStore).
 */
export function objectStore(): Promise<ObjectStore> {
  started ??= startOrJoin();
  return started;
}

const startOrJoin = async (): Promise<ObjectStore> => {
  const reason = objectStoreUnavailableReason();
  if (reason !== undefined) throw new Error(reason);
  const runDir = testEnvironment().runDir;
  if (runDir === null) throw new Error('the object store needs the global setup (run through vitest)');
  const dir = clusterDirOf(runDir);
  const envFile = join(dir, 'env');
  const failedFile = join(dir, 'failed');
  let mine = true;
  try {
    mkdirSync(dir);
  } catch {
    mine = false;
  }
  if (mine) {
    const port = await findFreePort();
    const up = spawnSync('bash', [SCRIPT, 'up', dir, String(port)], { encoding: 'utf8', timeout: 180_000 });
    if (up.status !== 0) {
      writeFileSync(failedFile, `${up.stderr}${up.error?.message ?? ''}`);
      throw new Error(`the Ceph cluster did not start:\n${up.stderr}`);
    }
  } else {
    await waitFor(async () => existsSync(envFile) || existsSync(failedFile), {
      timeoutMs: 180_000,
      description: 'the Ceph cluster started by another test file',
    });
    if (existsSync(failedFile)) throw new Error(`the Ceph cluster did not start:\n${readFileSync(failedFile, 'utf8')}`);
  }
  const values = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return {
    endpoint: values['RGW_ENDPOINT'] ?? '',
    tlsEndpoint: values['RGW_TLS_ENDPOINT'] ?? '',
    caFile: values['RGW_CA_FILE'] ?? '',
    accessKey: values['RGW_ACCESS_KEY'] ?? '',
    secretKey: values['RGW_SECRET_KEY'] ?? '',
    region: values['RGW_REGION'] ?? 'us-east-1',
  };
};

/** Stops the run's cluster if one was started (global teardown). */
export function stopObjectStore(runDir: string): void {
  const dir = clusterDirOf(runDir);
  if (existsSync(dir)) spawnSync('bash', [SCRIPT, 'down', dir], { encoding: 'utf8', timeout: 60_000 });
}

/**
 * The environment a tool needs to reach the store: credentials and endpoint the AWS way,
 * and a HOME without ~/.aws so nothing of the machine's own leaks in.
 */
export const s3Env = (store: ObjectStore, home: string): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: store.accessKey,
  AWS_SECRET_ACCESS_KEY: store.secretKey,
  AWS_ENDPOINT_URL: store.endpoint,
  AWS_REGION: store.region,
  HOME: home,
});

/** The hooks' settings as a DBA would give them: an --s3-config file, mode 0600. */
export const writeS3Config = (store: ObjectStore, path: string): void => {
  const lines = [`endpoint_url = ${store.endpoint}`, `aws_access_key_id = ${store.accessKey}`, `aws_secret_access_key = ${store.secretKey}`];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
};

/**
 * A client for the test's own checks (listing, planting, corrupting objects); with `tls`, to
 * the store's https endpoint, verified against its CA.
 */
export const testClient = (store: ObjectStore, bucket: string, options: { tls?: boolean } = {}): S3Client => {
  const tls = options.tls === true ? { AWS_ENDPOINT_URL: store.tlsEndpoint, AWS_CA_BUNDLE: store.caFile } : {};
  return new S3Client(resolveS3Settings({ query: {}, env: { ...s3Env(store, '/nonexistent'), ...tls }, configFile: undefined }), bucket);
};

let buckets = 0;

/** A new empty bucket with a name unique in the run. */
export async function newBucket(store: ObjectStore, label = 'test'): Promise<string> {
  buckets += 1;
  const name = `ws-${label}-${process.pid}-${buckets}-${Date.now().toString(36)}`.toLowerCase().slice(0, 63);
  const client = testClient(store, name);
  try {
    const response = await client.send({ method: 'PUT', key: '' });
    if (response.status !== 200) throw new Error(`cannot create bucket ${name}: HTTP ${response.status} ${response.body.toString()}`);
  } finally {
    client.close();
  }
  return name;
}
