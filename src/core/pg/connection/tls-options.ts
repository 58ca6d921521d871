import { readFile, stat } from 'node:fs/promises';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import type { ConnectionTarget, ResolvedConnection } from '../conninfo/resolve.js';
import { ConnectionError, ConnectionErrorCode } from './errors.js';
import { sniName } from './transport.js';

type SslMode = ResolvedConnection['sslmode'];

/** Whether the chain is checked against sslrootcert, and whether the host name is too. */
export interface TlsVerification {
  readonly chain: boolean;
  readonly hostName: boolean;
}

/**
 * libpq's rules: verify-ca checks the chain, verify-full also the host name; require checks
 * the chain when a root certificate file is present (for compatibility with old libpq);
 * `sslrootcert=system` means the system's roots and is allowed only with verify-full.
 */
export const verificationFor = (sslmode: SslMode, sslrootcert: string | undefined): TlsVerification => {
  if (sslrootcert === 'system' && sslmode !== 'verify-full') {
    throw new ConnectionError(
      ConnectionErrorCode.tlsConfiguration,
      `weak sslmode "${sslmode}" may not be used with sslrootcert=system (use "verify-full")`,
    );
  }
  if (sslmode === 'verify-full') return { chain: true, hostName: true };
  if (sslmode === 'verify-ca') return { chain: true, hostName: false };
  return { chain: sslmode === 'require' && sslrootcert !== undefined, hostName: false };
};

const tlsConfigError = (message: string, cause?: unknown): ConnectionError =>
  new ConnectionError(ConnectionErrorCode.tlsConfiguration, message, cause === undefined ? {} : { cause });

const readPem = async (path: string, what: string): Promise<Buffer> => {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw tlsConfigError(`${what} file "${path}" does not exist`, error);
    throw tlsConfigError(`could not read ${what} file "${path}": ${(error as Error).message}`, error);
  }
};

/**
 * A private key others can read is refused, as libpq does: at most 0600 when we own it, 0640
 * when root owns it (so a root-managed group can share it).
 */
const checkKeyPermissions = async (path: string): Promise<void> => {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw tlsConfigError(`certificate present, but not private key file "${path}"`, error);
  }
  if (!info.isFile()) throw tlsConfigError(`private key file "${path}" is not a regular file`);
  const tooOpen = info.uid === 0 ? (info.mode & 0o137) !== 0 : (info.mode & 0o077) !== 0;
  if (tooOpen) {
    throw tlsConfigError(
      `private key file "${path}" has group or world access; file must have permissions u=rw (0600) ` +
        'or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root',
    );
  }
};

const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
};

/** Builds node:tls options for one target from the resolved connection's ssl* settings. */
export const buildTlsOptions = async (
  resolved: ResolvedConnection,
  target: ConnectionTarget,
): Promise<ConnectionOptions> => {
  const verify = verificationFor(resolved.sslmode, resolved.sslrootcert);
  // Loaded on first use: a tool on a unix socket never pays for node:tls.
  const { checkServerIdentity, rootCertificates } = await import('node:tls');
  const options: ConnectionOptions = {
    minVersion: 'TLSv1.2',
    ALPNProtocols: ['postgresql'],
    rejectUnauthorized: verify.chain,
    checkServerIdentity: verify.hostName
      ? (_servername: string, cert: PeerCertificate) => checkServerIdentity(target.host, cert)
      : () => undefined,
  };
  const servername = sniName(target.host);
  if (servername !== undefined) options.servername = servername;

  if (verify.chain) {
    if (resolved.sslrootcert === 'system') options.ca = [...rootCertificates];
    else if (resolved.sslrootcert === undefined) {
      throw new ConnectionError(
        ConnectionErrorCode.tlsConfiguration,
        'root certificate file "~/.postgresql/root.crt" does not exist',
        {
          hint:
            "Either provide the file, use the system's trusted roots with sslrootcert=system, " +
            'or change sslmode to disable server certificate verification.',
        },
      );
    } else options.ca = await readPem(resolved.sslrootcert, 'root certificate');
  }

  // libpq goes on without a client certificate when the file is missing, and never sends
  // one with sslcertmode=disable.
  if (resolved.sslcertmode !== 'disable' && resolved.sslcert !== undefined && (await exists(resolved.sslcert))) {
    options.cert = await readPem(resolved.sslcert, 'certificate');
    const keyPath = resolved.sslkey;
    if (keyPath === undefined) {
      throw tlsConfigError('certificate present, but not private key file "~/.postgresql/postgresql.key"');
    }
    await checkKeyPermissions(keyPath);
    options.key = await readPem(keyPath, 'private key');
    if (resolved.sslpassword !== undefined) options.passphrase = resolved.sslpassword;
  }
  return options;
};
