import { type ArchiveWalResult, runArchiveWal } from './run.js';

/** What the plain form did: a result to report, or the error to explain. */
export type PlainPushOutcome = { readonly result: ArchiveWalResult } | { readonly error: unknown };

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
  if (argv.length !== 2 || argv.some((arg) => arg.startsWith('-'))) return undefined;
  const [source = '', archive = ''] = argv;
  try {
    return { result: await runArchiveWal({ source, archive, cwd, env, compression: { method: 'none', level: 0 }, sync: true }) };
  } catch (error) {
    return { error };
  }
};

/** A new file in the archive: the one outcome with nothing to say. */
export const wasPublished = (outcome: PlainPushOutcome | undefined): boolean =>
  outcome !== undefined && 'result' in outcome && outcome.result.outcome === 'archived';
