import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from './temp-dirs.js';
import { testEnvironment } from './test-environment.js';
import { fixturesIn, generateTlsFixtures, issue } from './tls-generate.js';
import type { TlsFixtures } from './tls-generate.js';

export type { TlsFixtures } from './tls-generate.js';

let pending: Promise<TlsFixtures> | undefined;

/** The run's fixtures (made once by the global setup), or made now for this process. */
export function tlsFixtures(): Promise<TlsFixtures> {
  const runDir = testEnvironment().runDir;
  if (runDir !== null && existsSync(join(runDir, 'tls', 'complete'))) return Promise.resolve(fixturesIn(join(runDir, 'tls')));
  pending ??= generateTlsFixtures(join(makeTempDir('ws-tls-'), 'tls'));
  return pending;
}

/** An extra client certificate for `commonName` (e.g. a role for `cert` authentication). */
export async function issueClientCert(commonName: string): Promise<{ cert: string; key: string }> {
  const fixtures = await tlsFixtures();
  const dir = makeTempDir('ws-tls-client-');
  await copyFile(fixtures.caCert, join(dir, 'ca.crt'));
  await copyFile(fixtures.caKey, join(dir, 'ca.key'));
  await issue(dir, 'client', commonName, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');
  return { cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
}
