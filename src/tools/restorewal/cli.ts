import type { ToolMain } from '../registry.js';
import { isObjectStoreUrl } from '../../core/archive/location.js';
import { answerMissingQuickly } from './quick-answer.js';
import { answerMissingFromObjectStore } from './quick-answer-object.js';
import { servedFromSpool } from './served-from-spool.js';

/**
 * The plain `restorewal %f %p ARCHIVE` form for a file the archive does not hold is answered
 * before anything else loads (quick-answer.ts); commander, colours and codecs load only when
 * there is something to restore or to explain.
 */
export const main: ToolMain = async (argv, io) => {
  const interactive = io.stderr.isTTY === true;
  const quickAnswer = servedFromSpool(argv, io.cwd) ?? answerMissingQuickly(argv, io.cwd, interactive) ??
    (isObjectStoreUrl(argv[2] ?? '') ? await answerMissingFromObjectStore(argv, io.cwd, interactive, io.env) : undefined);
  if (quickAnswer !== undefined) return quickAnswer;
  const { mainWithOptions } = await import('./cli-full.js');
  return mainWithOptions(argv, io);
};
