import { parseArchiveLocation } from '../../core/archive/location.js';
import { isObjectStoreUrl } from '../../core/archive/object-store-url.js';
import { openObjectArchive } from '../../core/archive/s3/open-object-archive.js';
import { classifyWalFileName } from '../../core/wal/wal-file-kind.js';
import { RestoreExit } from './exit-status.js';
import { OBJECT_RETRY_BUDGET_MS } from './object-retry-budget.js';

/**
 * quick-answer.ts for an object archive: "not in the archive" after one listing request with
 * the file's name as the prefix. It loads only the S3 client (signing, node:http), no CLI:
 * the build bundles it on its own into dist/quick/restorewal-object.cjs, which bin/restorewal
 * tries for s3:// archives. Anything else (a file to restore, an error to explain, options)
 * returns undefined, and the full tool takes over.
 */
export const answerMissingFromObjectStore = async (
  argv: readonly string[],
  cwd: string,
  interactive: boolean,
  env: NodeJS.ProcessEnv,
): Promise<number | undefined> => {
  if (argv.length !== 3 || argv.some((arg) => arg.startsWith('-'))) return undefined;
  const [name = '', , archive = ''] = argv;
  const file = classifyWalFileName(name);
  if (file === undefined || file.compression !== 'none' || interactive || !isObjectStoreUrl(archive)) return undefined;
  try {
    const location = parseArchiveLocation(archive, cwd);
    if (location.kind !== 's3') return undefined;
    const { store, close } = openObjectArchive(location, { cwd, env, retryBudgetMs: OBJECT_RETRY_BUDGET_MS });
    try {
      return (await store.variants(file)).length === 0 ? RestoreExit.notInArchive : undefined;
    } finally {
      close();
    }
  } catch {
    return undefined;
  }
};

