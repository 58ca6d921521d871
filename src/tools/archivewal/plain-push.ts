import { basename, resolve } from 'node:path';
import { isAcknowledged } from '../../core/archive/spool.js';
import { classifyWalFileName } from '../../core/wal/wal-file-kind.js';
import { type ArchiveWalResult, runArchiveWal } from './run.js';

/**
 * What the quick path did: a result to report, the error to explain, or (--async) the
 * pusher's acknowledgement found in the spool.
 */
export type PlainPushOutcome = { readonly result: ArchiveWalResult } | { readonly error: unknown } | { readonly acknowledged: string };

/** Options of the --async hook that take a value (the quick path skips over them). */
const ASYNC_VALUE_OPTIONS = new Set(['--spool', '-Z', '--compress', '-j', '--jobs', '--timeout', '--idle-exit', '--s3-config']);

/**
 * `archivewal --async --spool DIR [options] %p ARCHIVE` for a file the pusher already
 * acknowledged: one stat(2), the answer PostgreSQL's archiver gets for nearly every segment
 * once the pusher runs ahead. Anything else (no acknowledgement yet, an error to report, an
 * unknown option) is left to the full tool.
 */
const acknowledgedInSpool = (argv: readonly string[], cwd: string): string | undefined => {
  let async = false;
  let spool: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const [flag = '', inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    if (flag === '--async') async = true;
    else if (ASYNC_VALUE_OPTIONS.has(flag)) {
      const value = inline ?? argv[++i];
      if (flag === '--spool') spool = value;
    } else if (arg.startsWith('-')) return undefined;
    else positional.push(arg);
  }
  const [source] = positional;
  if (!async || spool === undefined || source === undefined || positional.length !== 2) return undefined;
  const name = basename(source);
  if (classifyWalFileName(name) === undefined) return undefined;
  return isAcknowledged(resolve(cwd, spool), name) ? name : undefined;
};

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
    return { result: await runArchiveWal({ source, archive, cwd, env, compression: { method: 'none', level: 0 }, sync: true }) };
  } catch (error) {
    return { error };
  }
};

/** A new file in the archive, or one the pusher acknowledged: the outcomes with nothing to say. */
export const wasPublished = (outcome: PlainPushOutcome | undefined): boolean =>
  outcome !== undefined && ('acknowledged' in outcome || ('result' in outcome && outcome.result.outcome === 'archived'));
