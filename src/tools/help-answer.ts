import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invokedName } from './version-answer.js';

/**
 * `TOOL --help` (or `-?`) alone: the text the build rendered with the tool's own parser,
 * printed before the tool's bundle loads, so help costs a bare Node start (evaluating a
 * whole tool's bundle and commander for a fixed text cost more than Node's own start). The
 * help is fixed at 95 columns and names the program, so only a call under the tool's own
 * name is answered: under a drop-in name (pg_basebackup) or without a rendered file the
 * tool renders it. Runs bundled in dist/quick, beside the rendered files.
 */
export const answeredHelp = (tool: string, argv: readonly string[], dir: string = __dirname): boolean => {
  if (argv.length !== 1 || (argv[0] !== '--help' && argv[0] !== '-?')) return false;
  if (invokedName(process.argv[1]) !== tool) return false;
  let text: string;
  try {
    text = readFileSync(join(dir, `${tool}.help`), 'utf8'); // written by scripts/bundle-quick-paths.mjs
  } catch {
    return false;
  }
  process.stdout.write(text);
  return true;
};
