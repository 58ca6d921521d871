import type * as Acknowledged from './acknowledged.js';
import type * as PlainPush from './plain-push.js';
import type { PlainPushOutcome } from './plain-push.js';

/**
 * Where the quick paths are found: modules linked into the tool (cli.ts), or the small
 * sibling bundles the bin shim requires only when it reaches them (hook-shim.ts).
 */
export interface ArchiveQuickPaths {
  acknowledged(): typeof Acknowledged;
  plainPush(): typeof PlainPush;
}

/**
 * archive_command's steps that need no options parser, in order: a file the pusher already
 * acknowledged (--async: one stat), then the plain form `archivewal %p ARCHIVE`. 'done' when
 * the file is safe and there is nothing to say; otherwise what the full tool goes on with
 * (an outcome to report, or undefined: parse the options). One route for the bin shim and
 * for the tool run any other way (the single executable, `warmstandby archivewal`).
 */
export const quickArchiveRoute = async (
  argv: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  paths: ArchiveQuickPaths,
): Promise<'done' | PlainPushOutcome | undefined> => {
  if (paths.acknowledged().acknowledgedInSpool(argv, cwd) !== undefined) return 'done';
  const plain = paths.plainPush();
  const outcome = await plain.pushPlainForm(argv, cwd, env);
  return plain.wasPublished(outcome) ? 'done' : outcome;
};
