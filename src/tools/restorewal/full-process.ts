import { runMain } from '../entry.js';
import { mainWithOptions } from './cli-full.js';

/**
 * The whole tool, after bin/restorewal's quick route found nothing to answer (options, a file
 * to restore, something to explain): bundled into dist/quick/restorewal-full.cjs, which the
 * route loads from V8's code cache. Straight to the options parser: the quick answers have
 * been tried already.
 */
export const runFullTool = (argv: readonly string[]): Promise<never> => runMain(async () => mainWithOptions, argv);
