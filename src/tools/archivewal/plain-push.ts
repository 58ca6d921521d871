import { acknowledgedInSpool } from './acknowledged.js';
import { type ArchiveWalResult, runArchiveWal } from './run.js';

/**
 * What the quick path did: a result to report, the error to explain, or (--async) the
 * pusher's acknowledgement found in the spool.
 */
export type PlainPushOutcome = { readonly result: ArchiveWalResult } | { readonly error: unknown } | { readonly acknowledged: string };

/**
 * The form PostgreSQL runs once per segment, `archivewal %p ARCHIVE`: the job straight away,
 * uncompressed, fsync on. Returns undefined for any other argument list (options, a wrong
 * count): commander parses those.
 *
 * It imports no CLI code (the codecs load only if the archive holds a compressed copy): the
 * build also bundles it on its own into dist/quick/archivewal.cjs, which the bin/archivewal
 * shim runs before it loads the tool (scripts/bundle-quick-paths.mjs).
 */
export const pushPlainForm = async (
  argv: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<PlainPushOutcome | undefined> => {
  const acknowledged = acknowledgedInSpool(argv, cwd);
  if (acknowledged !== undefined) return { acknowledged };
  if (argv.length !== 2 || argv.some((arg) => arg.startsWith('-'))) return undefined;
  const [source = '', archive = ''] = argv;
  try {
    return { result: await runArchiveWal({ source, archive, compression: { method: 'none', level: 0 }, sync: true }, { cwd, env }) };
  } catch (error) {
    return { error };
  }
};

/** A new file in the archive, or one the pusher acknowledged: the outcomes with nothing to say. */
export const wasPublished = (outcome: PlainPushOutcome | undefined): boolean =>
  outcome !== undefined && ('acknowledged' in outcome || ('result' in outcome && outcome.result.outcome === 'archived'));
