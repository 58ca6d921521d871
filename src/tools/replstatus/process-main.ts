import { runMain } from '../entry.js';
import { main } from './cli.js';

/**
 * bin/replstatus's whole program, bundled into one CommonJS file (dist/quick/replstatus.cjs):
 * a monitoring system runs it every minute, and one file loads in a fraction of the time of
 * the ES module graph in dist/ (docs/dev/performance.md).
 */
export const runReplstatusProcess = (argv: readonly string[]): Promise<never> => runMain(async () => main, argv);
