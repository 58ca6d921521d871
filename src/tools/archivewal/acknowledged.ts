import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** Options of the --async hook that take a value (the quick path skips over them). */
const ASYNC_VALUE_OPTIONS = new Set(['--spool', '-Z', '--compress', '-j', '--jobs', '--timeout', '--idle-exit', '--s3-config']);

/**
 * `archivewal --async --spool DIR [options] %p ARCHIVE` for a file the pusher already
 * acknowledged: one stat(2), the answer PostgreSQL's archiver gets for nearly every segment
 * once the pusher runs ahead. Anything else (no acknowledgement yet, an error to report, an
 * unknown option) is left to the full tool. It imports nothing but node:fs and node:path:
 * the build bundles it into dist/quick/archivewal-hook.cjs, which bin/archivewal runs
 * first, so this answer costs a bare Node start and one stat.
 */
export const acknowledgedInSpool = (argv: readonly string[], cwd: string): string | undefined => {
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
  // The spool's names are NAME.ok (core/archive/spool.ts); a name that is no WAL name has none.
  if (!/^[0-9A-F]{8}(\.history|[0-9A-F]{16}(\.partial|\.[0-9A-F]{8}\.backup)?)$/.test(name)) return undefined;
  return existsSync(join(resolve(cwd, spool), `${name}.ok`)) ? name : undefined;
};

