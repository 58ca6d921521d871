import { basename } from 'node:path';
import { VERSION } from '../core/version.js';

/** A script's or link's base name without a JavaScript extension: how the user called us. */
export const invokedName = (path: string | undefined): string | undefined => {
  if (path === undefined || path === '') return undefined;
  return basename(path).replace(/\.(c?js|mjs)$/, '');
};

/**
 * `TOOL --version` (or `-V`) alone: the line to print, before anything of the tool loads
 * (scripts and monitoring ask it often; it should cost a bare Node start). Undefined for any
 * other argument list, which the tool's own parser handles (`--version` among other options).
 */
export const versionLine = (tool: string, argv: readonly string[], programName?: string): string | undefined =>
  argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')
    ? `${programName ?? invokedName(process.argv[1]) ?? tool} (warmstandby) ${VERSION}\n`
    : undefined;

/** For the shims: prints the version line and says so when that is all argv asks for. */
export const answeredVersion = (tool: string, argv: readonly string[]): boolean => {
  const line = versionLine(tool, argv);
  if (line !== undefined) process.stdout.write(line);
  return line !== undefined;
};
