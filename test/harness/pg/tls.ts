import { existsSync } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from './temp-dirs.js';
import { testEnvironment } from './test-environment.js';
import { fixturesIn, generateTlsFixtures, issue } from './tls-generate.js';
import type { TlsFixtures } from './tls-generate.js';

export type { TlsFixtures } from './tls-generate.js';

let pending: Promise<TlsFixtures> | undefined;

/**
 * The run's fixtures: made by the first worker that needs them, in the run's shared directory,
 * and reused by every later test file (a run without TLS tests never pays for the keys).
 */
export function tlsFixtures(): Promise<TlsFixtures> {
  pending ??= makeOrReuse();
  return pending;
}

async function makeOrReuse(): Promise<TlsFixtures> {
  const runDir = testEnvironment().runDir;
  if (runDir === null) return generateTlsFixtures(join(makeTempDir('ws-tls-'), 'tls'));
  const shared = join(runDir, 'tls');
  if (existsSync(join(shared, 'complete'))) return fixturesIn(shared);
  // Two workers may race here: each builds its own set and the first rename wins.
  const staging = `${shared}.${process.pid}`;
  await generateTlsFixtures(staging);
  try {
    await rename(staging, shared);
  } catch {
    await rm(staging, { recursive: true, force: true });
  }
  return fixturesIn(shared);
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
