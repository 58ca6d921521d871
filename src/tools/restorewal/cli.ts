import type { ToolMain } from '../registry.js';
import { answerMissingQuickly } from './quick-answer.js';

/**
 * The plain `restorewal %f %p ARCHIVE` form for a file the archive does not hold is answered
 * before anything else loads (quick-answer.ts); commander, colours and codecs load only when
 * there is something to restore or to explain.
 */
export const main: ToolMain = async (argv, io) => {
  const quickAnswer = answerMissingQuickly(argv, io.cwd, io.stderr.isTTY === true);
  if (quickAnswer !== undefined) return quickAnswer;
  const { mainWithOptions } = await import('./cli-full.js');
  return mainWithOptions(argv, io);
};
