import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { accessError } from './daemon-json/daemon-config.js';

/** Where the Engine API listens, as `-H`/DOCKER_HOST name it. */
export type DockerEndpoint =
  | { readonly kind: 'unix'; readonly socketPath: string; readonly url: string }
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly url: string;
      readonly tls?: TlsMaterial;
    };

export interface TlsMaterial {
  readonly verify: boolean;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface EndpointRequest {
  /** `-H` as given on the command line. */
  readonly host?: string;
  readonly env: NodeJS.ProcessEnv;
  /** The socket used when neither -H nor DOCKER_HOST names one. */
  readonly defaultSocket: string;
}

/** The address only, without reading certificates: `-H` > DOCKER_HOST > default socket. */
export const parseDockerHost = (value: string, tlsWanted: boolean): DockerEndpoint => {
  const text = value.trim();
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (socketPath === '') throw new UsageError(`invalid Docker host "${value}": no socket path`);
    return { kind: 'unix', socketPath, url: text };
  }
  if (text.startsWith('/')) return { kind: 'unix', socketPath: text, url: `unix://${text}` };
  const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
  if (scheme !== undefined && scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    throw new UsageError(`unsupported Docker host "${value}": use unix:// or tcp://`);
  }
  const rest = scheme === undefined ? text : text.slice(scheme.length + 3);
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]]+)(?::(\d+))?\/?$/.exec(rest);
  if (match === null) throw new UsageError(`invalid Docker host "${value}"`);
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  const defaultPort = tlsWanted || scheme === 'https' ? 2376 : 2375;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`invalid port in Docker host "${value}"`);
  return { kind: 'tcp', host, port, url: `tcp://${match[1] ?? host}:${port}` };
};

/**
 * Resolves the endpoint and, for TCP, the TLS material the Docker CLI would use:
 * DOCKER_TLS_VERIFY (any non-empty value) verifies the daemon against ca.pem; DOCKER_TLS
 * asks for TLS without verification; certificates come from DOCKER_CERT_PATH or ~/.docker.
 */
export async function resolveDockerEndpoint(request: EndpointRequest): Promise<DockerEndpoint> {
  const { env } = request;
  const verify = present(env['DOCKER_TLS_VERIFY']) !== undefined;
  const tlsWanted = verify || present(env['DOCKER_TLS']) !== undefined;
  const chosen = present(request.host) ?? present(env['DOCKER_HOST']) ?? `unix://${request.defaultSocket}`;
  const endpoint = parseDockerHost(chosen, tlsWanted);
  if (endpoint.kind !== 'tcp' || !(tlsWanted || chosen.startsWith('https://'))) return endpoint;
  const certDir = present(env['DOCKER_CERT_PATH']) ?? join(present(env['HOME']) ?? homedir(), '.docker');
  const [ca, cert, key] = await Promise.all(
    ['ca.pem', 'cert.pem', 'key.pem'].map((name) => readOptional(join(certDir, name))),
  );
  if (verify && ca === undefined) {
    throw new UsageError(`DOCKER_TLS_VERIFY is set but "${join(certDir, 'ca.pem')}" does not exist`, {
      hint: 'Set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem.',
    });
  }
  const tls: TlsMaterial = {
    verify,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
  return { ...endpoint, tls };
}

const present = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

const readOptional = async (path: string): Promise<Buffer | undefined> => {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw accessError(error, 'read file', path);
  }
};
