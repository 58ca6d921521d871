// No runtime import of vitest here: the global setup (outside the workers) uses this file.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOOL_PATHS } from './binaries.js';
import { runChecked } from './run-process.js';
import { serverUser } from './server-user.js';

/**
 * Throw-away PKI made at test time. The server certificate is for CN=localhost with
 * SAN DNS:localhost and IP:127.0.0.1, so verify-full succeeds for host=localhost or
 * host=127.0.0.1 and fails for any other name (e.g. host=wrong.invalid hostaddr=127.0.0.1).
 * Server files belong to the server user; client files to whoever runs the tests (mode 0600).
 */
export interface TlsFixtures {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate (CN=ws_client) and key signed by caCert. */
  readonly clientCert: string;
  readonly clientKey: string;
  readonly clientCommonName: string;
  /** An unrelated CA: using it as sslrootcert must fail verification. */
  readonly wrongCaCert: string;
}

const KEY_ARGS = ['-newkey', 'rsa:2048', '-nodes'];

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  await runChecked(TOOL_PATHS.openssl, args, { cwd });
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(
    ['req', '-x509', '-new', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '7', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
}

export async function issue(dir: string, name: string, cn: string, extensions: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(['req', '-new', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '7', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`],
    dir,
  );
  await chmod(join(dir, `${name}.key`), 0o600);
}

/** Makes a complete set of fixtures in `dir` (created if needed). */
export async function generateTlsFixtures(dir: string): Promise<TlsFixtures> {
  await mkdir(dir, { recursive: true });
  await makeCa(dir, 'ca', 'warmstandby test CA');
  await makeCa(dir, 'wrong-ca', 'warmstandby unrelated CA');
  await issue(dir, 'server', 'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  await issue(dir, 'client', 'ws_client', 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');
  const user = serverUser();
  if (user.separate) {
    for (const file of ['server.crt', 'server.key', 'ca.crt']) await chown(join(dir, file), user.uid, user.gid);
  }
  await writeFile(join(dir, 'complete'), '');
  return fixturesIn(dir);
}

export function fixturesIn(dir: string): TlsFixtures {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    clientCommonName: 'ws_client',
    wrongCaCert: join(dir, 'wrong-ca.crt'),
  };
}
