import type { ToolMain } from '../registry.js';
import * as quickAnswer from './quick-answer.js';
import * as quickAnswerObject from './quick-answer-object.js';
import * as quickRestoreCompressed from './quick-restore-compressed.js';
import * as quickRestorePlain from './quick-restore-plain.js';
import { quickRestoreAnswer } from './quick-route.js';
import * as servedFromSpool from './served-from-spool.js';

/**
 * The plain `restorewal %f %p ARCHIVE` form for a file the archive does not hold, or holds
 * as a segment, is answered before anything else loads (quick-route.ts); commander and
 * colours load only when there is something to explain, a codec only when a file is
 * compressed.
 */
export const main: ToolMain = async (argv, io) => {
  const linked = {
    spool: () => servedFromSpool,
    directory: () => quickAnswer,
    objectStore: () => quickAnswerObject,
    plain: () => quickRestorePlain,
    compressed: () => quickRestoreCompressed,
  };
  const quick = await quickRestoreAnswer(argv, io.cwd, io.env, io.stderr.isTTY === true, linked);
  if (quick !== undefined) return quick;
  const { mainWithOptions } = await import('./cli-full.js');
  return mainWithOptions(argv, io);
};
