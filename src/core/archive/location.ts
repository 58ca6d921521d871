import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { isObjectStoreUrl } from './object-store-url.js';

/** Where an archive lives, as parsed from the argument that names it. */
export type ArchiveLocation =
  | { readonly kind: 'directory'; readonly path: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Key prefix without leading or trailing slash; '' for the bucket's root. */
      readonly prefix: string;
      /** Settings from the URL's query (endpoint, region, path-style, ca-file, retry-seconds). Never secrets. */
      readonly query: Readonly<Record<string, string>>;
    };

/** Query keys an s3:// URL may carry. Credentials are refused: URLs end up in pg_settings. */
const QUERY_KEYS = new Set(['endpoint', 'region', 'path-style', 'ca-file', 'retry-seconds']);
const SECRET_KEY = /key|secret|token|password|credential|signature/i;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Prefixes made of characters that need no escaping in a URL path or a signature.
const PREFIX = /^[A-Za-z0-9._\-/]*$/;

/** The variable that names the S3 config file: archive_command has no terminal to pass options. */
export const S3_CONFIG_VARIABLE = 'WARMSTANDBY_S3_CONFIG';

/** `s3://BUCKET[/PREFIX][?endpoint=…&region=…&path-style=true]`, or a directory path. */
export function parseArchiveLocation(text: string, cwd: string): ArchiveLocation {
  if (!isObjectStoreUrl(text)) return { kind: 'directory', path: resolve(cwd, text) };
  const bad = (reason: string): UsageError =>
    new UsageError(`invalid archive URL "${redactUrl(text)}": ${reason}`, { exitStatus: 2 });
  const rest = text.slice('s3://'.length);
  const queryAt = rest.indexOf('?');
  const path = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const slash = path.indexOf('/');
  const bucket = slash < 0 ? path : path.slice(0, slash);
  if (bucket.includes('@') || bucket.includes(':')) {
    throw bad('credentials do not belong in a URL (use the environment, ~/.aws or --s3-config)');
  }
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw bad(`"${bucket}" is not a valid bucket name`);
  const prefix = slash < 0 ? '' : path.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  if (!PREFIX.test(prefix) || prefix.split('/').some((part) => part === '.' || part === '..')) {
    throw bad('the prefix may hold only letters, digits and . _ - / (no "." or ".." parts)');
  }
  const query: Record<string, string> = {};
  if (queryAt >= 0) {
    for (const [key, value] of new URLSearchParams(rest.slice(queryAt + 1))) {
      if (SECRET_KEY.test(key)) {
        throw bad(`"${key}" looks like a credential: credentials never go in a URL (use the environment, ~/.aws or --s3-config)`);
      }
      if (!QUERY_KEYS.has(key)) throw bad(`unknown setting "${key}" (known: ${[...QUERY_KEYS].join(', ')})`);
      query[key] = value;
    }
  }
  return { kind: 's3', bucket, prefix, query };
}

/** The URL as it may appear in messages: without its query values (an endpoint may embed a user). */
export const redactUrl = (text: string): string => {
  const queryAt = text.indexOf('?');
  const base = queryAt < 0 ? text : text.slice(0, queryAt);
  return base.replace(/^(s3:\/\/)[^/@]*@/i, '$1…@');
};

/** How an object location reads in messages: s3://bucket/prefix. */
export const describeObjectLocation = (bucket: string, prefix: string): string =>
  `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}`;
