import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throw-away PKI for dockerd's TLS socket, laid out the way the Docker CLI expects
 * DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), plus the server's own files.
 */
export interface DockerTls {
  readonly clientDir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

const openssl = (args: readonly string[], cwd: string): Promise<unknown> => run('openssl', [...args], { cwd });

export async function generateDockerTls(dir: string): Promise<DockerTls> {
  const clientDir = join(dir, 'client');
  await mkdir(clientDir, { recursive: true });
  await openssl(['req', '-x509', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=warmstandby docker test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], dir);
  const issue = async (name: string, cn: string, extensions: string): Promise<void> => {
    await writeFile(join(dir, `${name}.ext`), extensions);
    await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2',
      '-sha256', '-extfile', `${name}.ext`, '-out', `${name}-cert.pem`], dir);
  };
  await issue('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await issue('client', 'client', 'extendedKeyUsage=clientAuth\n');
  for (const [from, to] of [['ca.pem', 'ca.pem'], ['client-cert.pem', 'cert.pem'], ['client-key.pem', 'key.pem']] as const) {
    await run('cp', [join(dir, from), join(clientDir, to)]);
  }
  return { clientDir, caCert: join(dir, 'ca.pem'), serverCert: join(dir, 'server-cert.pem'), serverKey: join(dir, 'server-key.pem') };
}

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
