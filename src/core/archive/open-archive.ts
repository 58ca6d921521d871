import type { SyncOptions } from '../fs/sync.js';
import type { ArchiveStore } from './archive-store.js';
import { DirectoryArchive } from './directory-archive.js';
import { parseArchiveLocation } from './location.js';

export interface OpenArchiveOptions extends SyncOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** --s3-config: the file with endpoint, region and credentials for object archives. */
  readonly s3ConfigFile?: string | undefined;
  /** Stops requests to an object store (Ctrl-C, SIGTERM). */
  readonly signal?: AbortSignal | undefined;
  /** How long an object store's transient failures may be retried. */
  readonly retryBudgetMs?: number;
}

/** An opened archive; `close` releases connections (a no-op for directories). */
export interface OpenedArchive {
  readonly store: ArchiveStore;
  readonly close: () => void;
}

/**
 * The archive a tool argument names: a directory path, or `s3://bucket/prefix`. The object
 * store's code (signing, HTTP, TLS) loads only for an s3:// location, so a directory hook
 * pays nothing for it.
 */
export async function openArchive(text: string, options: OpenArchiveOptions): Promise<OpenedArchive> {
  const location = parseArchiveLocation(text, options.cwd);
  if (location.kind === 'directory') {
    return { store: new DirectoryArchive(location.path, options.sync === undefined ? {} : { sync: options.sync }), close: () => undefined };
  }
  const { openObjectArchive } = await import('./s3/open-object-archive.js');
  return openObjectArchive(location, options);
}
