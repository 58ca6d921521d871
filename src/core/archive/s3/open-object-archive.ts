import type { ArchiveLocation } from '../location.js';
import type { OpenArchiveOptions, OpenedArchive } from '../open-archive.js';
import { ObjectArchive } from './object-archive.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';
import { S3Client } from './s3-client.js';
import { resolveS3Settings } from './s3-settings.js';

/** The object archive behind an s3:// location, with settings from the URL, file and environment. */
export function openObjectArchive(location: Extract<ArchiveLocation, { kind: 's3' }>, options: OpenArchiveOptions): OpenedArchive {
  const settings = resolveS3Settings({ query: location.query, env: options.env, configFile: options.s3ConfigFile });
  const budgetMs = settings.retrySeconds === undefined ? options.retryBudgetMs : settings.retrySeconds * 1000;
  const retry = budgetMs === undefined ? DEFAULT_RETRY_POLICY : { ...DEFAULT_RETRY_POLICY, budgetMs };
  const client = new S3Client(settings, location.bucket, {
    retry,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { store: new ObjectArchive(client, location.prefix), close: () => client.close() };
}
