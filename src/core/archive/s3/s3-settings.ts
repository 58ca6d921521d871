import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { S3_CONFIG_VARIABLE } from '../location.js';
import { parseIni } from './ini-file.js';

/** Everything needed to talk to one bucket. `credentials` never reaches a message or a log. */
export interface S3Settings {
  /** scheme://host[:port] of the service, without a path. */
  readonly endpoint: URL;
  readonly region: string;
  /** true: https://endpoint/bucket/key; false: https://bucket.endpoint/key. */
  readonly pathStyle: boolean;
  readonly credentials: S3Credentials;
  /** PEM file of the certificate authorities to trust instead of Node's bundled ones. */
  readonly caFile: string | undefined;
  /** How long transient failures are retried (retry_seconds / retry-seconds); else the tool's default. */
  readonly retrySeconds: number | undefined;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3SettingsInput {
  /** Settings from the archive URL's query (endpoint, region, path-style, ca-file). */
  readonly query: Readonly<Record<string, string>>;
  readonly env: NodeJS.ProcessEnv;
  /** --s3-config, else $WARMSTANDBY_S3_CONFIG. */
  readonly configFile: string | undefined;
}


const configError = (message: string): UsageError => new UsageError(message, { exitStatus: 2 });

/**
 * Resolves the settings the way S3 users already have them. Each value is taken from the
 * first place that has it: the archive URL's query (no secrets allowed there), the config
 * file, the AWS_* environment, then the AWS profile files. Credentials come as a pair from
 * one place (config file, environment, ~/.aws/credentials, ~/.aws/config).
 */
export function resolveS3Settings(input: S3SettingsInput): S3Settings {
  const { env, query } = input;
  const configPath = input.configFile ?? nonEmpty(env[S3_CONFIG_VARIABLE]);
  const file = configPath === undefined ? new Map<string, string>() : readConfigFile(configPath);
  const profile = readProfile(env);
  const pick = (...values: (string | undefined)[]): string | undefined => values.find((value) => nonEmpty(value) !== undefined);

  const region = pick(query['region'], file.get('region'), env['AWS_REGION'], env['AWS_DEFAULT_REGION'], profile.get('region')) ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,40}$/.test(region)) throw configError(`invalid S3 region "${region}"`);
  const endpointText = pick(
    query['endpoint'], file.get('endpoint_url'), file.get('endpoint'), env['AWS_ENDPOINT_URL_S3'], env['AWS_ENDPOINT_URL'],
    profile.get('s3.endpoint_url'), profile.get('endpoint_url'),
  );
  const endpoint = parseEndpoint(endpointText ?? `https://s3.${region}.amazonaws.com`);
  const custom = !/(^|\.)amazonaws\.com$/i.test(endpoint.hostname);
  const style = pick(query['path-style'], file.get('path_style'), profile.get('s3.addressing_style'));
  const pathStyle = style === undefined ? custom : parseStyle(style);
  const caFile = pick(query['ca-file'], file.get('ca_file'), env['AWS_CA_BUNDLE'], profile.get('ca_bundle'));
  const retryText = pick(query['retry-seconds'], file.get('retry_seconds'));
  const retrySeconds = retryText === undefined ? undefined : Number(retryText);
  if (retrySeconds !== undefined && !(Number.isFinite(retrySeconds) && retrySeconds >= 0 && retrySeconds <= 3600)) {
    throw configError(`invalid retry-seconds "${retryText}" (0 to 3600)`);
  }

  const credentials =
    pair(file, 'the S3 config file') ??
    pair(new Map(Object.entries({
      aws_access_key_id: env['AWS_ACCESS_KEY_ID'],
      aws_secret_access_key: env['AWS_SECRET_ACCESS_KEY'],
      aws_session_token: env['AWS_SESSION_TOKEN'],
    }).filter((entry): entry is [string, string] => entry[1] !== undefined)), 'the environment') ??
    pair(profile.credentials, 'the AWS credentials file') ??
    pair(profile, 'the AWS config file');
  if (credentials === undefined) {
    throw configError(
      'no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile in ~/.aws/credentials, ' +
        `or a config file (--s3-config or ${S3_CONFIG_VARIABLE})`,
    );
  }
  return { endpoint, region, pathStyle, credentials, caFile, retrySeconds };
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

const parseStyle = (text: string): boolean => {
  const value = text.toLowerCase();
  if (['true', 'yes', 'on', '1', 'path'].includes(value)) return true;
  if (['false', 'no', 'off', '0', 'virtual'].includes(value)) return false;
  throw configError(`invalid path-style setting "${text}" (true/path or false/virtual)`);
};

/** An endpoint is scheme://host[:port]: a user, a path or a query would be silently ignored. */
const parseEndpoint = (text: string): URL => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(`invalid S3 endpoint "${text.replace(/\/\/[^/@]*@/, '//…@')}"`);
  }
  if (url.username !== '' || url.password !== '') {
    throw configError('credentials do not belong in an endpoint URL (use the environment, ~/.aws or --s3-config)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw configError(`invalid S3 endpoint "${url.origin}": http or https only`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
    throw configError(`invalid S3 endpoint "${text}": give scheme://host[:port] only`);
  }
  return new URL(url.origin);
};

/** Both keys from one place, or nothing from it: half a pair is a mistake worth naming. */
const pair = (values: ReadonlyMap<string, string>, where: string): S3Credentials | undefined => {
  const accessKeyId = nonEmpty(values.get('aws_access_key_id'));
  const secretAccessKey = nonEmpty(values.get('aws_secret_access_key'));
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw configError(`${where} holds only one of the access key id and the secret access key`);
  }
  const sessionToken = nonEmpty(values.get('aws_session_token'));
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
};

const SECRET_KEYS = ['aws_secret_access_key', 'aws_session_token'];

/**
 * Our config file: `key = value` lines (endpoint_url, region, path_style, ca_file,
 * retry_seconds and the AWS credential keys). One that holds a secret must be readable by its owner only, as libpq
 * demands of .pgpass, because archive_command's environment is shared with the server.
 */
const readConfigFile = (path: string): Map<string, string> => {
  let text: string;
  let mode: number;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
    mode = info.mode;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError(`cannot read S3 config file "${path}": ${(error as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  const sections = parseIni(text);
  const values = new Map([...(sections.get('') ?? []), ...(sections.get('default') ?? [])]);
  if (SECRET_KEYS.some((key) => values.has(key)) && (mode & 0o077) !== 0) {
    throw configError(
      `S3 config file "${path}" holds a secret and has group or world access (mode ${(mode & 0o777).toString(8)}); ` +
        'it must be u=rw (0600) or less',
    );
  }
  return values;
};

interface Profile extends ReadonlyMap<string, string> {
  readonly credentials: ReadonlyMap<string, string>;
}

/** AWS_PROFILE (else "default") from ~/.aws/config ([profile NAME]) and ~/.aws/credentials ([NAME]). */
const readProfile = (env: NodeJS.ProcessEnv): Profile => {
  const name = nonEmpty(env['AWS_PROFILE']) ?? nonEmpty(env['AWS_DEFAULT_PROFILE']) ?? 'default';
  const home = env['HOME'] ?? '';
  const configPath = nonEmpty(env['AWS_CONFIG_FILE']) ?? join(home, '.aws', 'config');
  const credentialsPath = nonEmpty(env['AWS_SHARED_CREDENTIALS_FILE']) ?? join(home, '.aws', 'credentials');
  const config = readIniQuietly(configPath);
  const section = config.get(name === 'default' ? 'default' : `profile ${name}`) ?? config.get(name) ?? new Map<string, string>();
  const credentials = readIniQuietly(credentialsPath).get(name) ?? new Map<string, string>();
  return Object.assign(new Map(section), { credentials });
};

/** The profile files are optional: a missing or unreadable one simply contributes nothing. */
const readIniQuietly = (path: string) => {
  try {
    return parseIni(readFileSync(path, 'utf8'));
  } catch {
    return new Map<string, ReadonlyMap<string, string>>();
  }
};
