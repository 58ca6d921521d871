// A throw-away RGW for a benchmark, started as the tests start theirs (rgw-cluster.sh), with
// one bucket made; `stop` removes everything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '../src/core/archive/s3/s3-client.js';
import { resolveS3Settings } from '../src/core/archive/s3/s3-settings.js';
import { REPO_ROOT } from '../test/harness/pg/binaries.js';

const SCRIPT = join(REPO_ROOT, 'test', 'harness', 'objstore', 'rgw-cluster.sh');

export interface BenchRgw {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** https://127.0.0.1:PORT, its certificate self-signed: `caFile` is the CA to trust. */
  readonly tlsEndpoint: string;
  readonly caFile: string;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
  stop(): void;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export const startBenchRgw = async (bucket: string): Promise<BenchRgw> => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-rgw-'));
  const stop = (): void => {
    spawnSync('bash', [SCRIPT, 'down', dir]);
    rmSync(dir, { recursive: true, force: true });
  };
  const up = spawnSync('bash', [SCRIPT, 'up', dir, String(await freePort())], { encoding: 'utf8' });
  if (up.status !== 0) {
    stop();
    throw new Error(`the Ceph cluster did not start: ${up.stderr}`);
  }
  const values = Object.fromEntries(up.stdout.trim().split('\n').map((line) => line.split('=', 2) as [string, string]));
  const rgw = {
    endpoint: values['RGW_ENDPOINT'] ?? '',
    tlsEndpoint: values['RGW_TLS_ENDPOINT'] ?? '',
    caFile: values['RGW_CA_FILE'] ?? '',
    region: values['RGW_REGION'] ?? 'us-east-1',
    accessKey: values['RGW_ACCESS_KEY'] ?? '',
    secretKey: values['RGW_SECRET_KEY'] ?? '',
    stop,
  };
  const env = { AWS_ACCESS_KEY_ID: rgw.accessKey, AWS_SECRET_ACCESS_KEY: rgw.secretKey, AWS_ENDPOINT_URL: rgw.endpoint, HOME: dir };
  const client = new S3Client(resolveS3Settings({ query: {}, env, configFile: undefined }), bucket);
  try {
    if ((await client.send({ method: 'PUT', key: '' })).status !== 200) throw new Error('cannot create the bucket');
  } finally {
    client.close();
  }
  return rgw;
};
