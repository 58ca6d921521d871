import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runCommand, type CommandRunner } from './run-command.js';
import { parseDockerdVersionOutput } from './version-rule.js';

export interface InstalledDockerd {
  readonly path: string;
  readonly version: string | undefined;
  /** Why the version is unknown. */
  readonly failure?: string;
  /** The running binary was replaced on disk (an upgrade is waiting for the next start). */
  readonly replacedOnDisk: boolean;
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The dockerd binary the next start will run (the running one's path when known, else the
 * first on PATH or in the usual sbin/bin directories) and its version.
 */
export async function findInstalledDockerd(options: {
  readonly runningExe?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly run?: CommandRunner;
}): Promise<InstalledDockerd | undefined> {
  const replacedOnDisk = options.runningExe?.endsWith(' (deleted)') ?? false;
  const runningPath = options.runningExe?.replace(/ \(deleted\)$/, '');
  const searchDirs = [...(options.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin', '/sbin', '/bin'];
  const candidates = [
    ...(runningPath === undefined ? [] : [runningPath]),
    ...searchDirs.filter((d) => d !== '').map((d) => join(d, 'dockerd')),
  ];
  const path = candidates.find(executable);
  if (path === undefined) return undefined;
  const result = await (options.run ?? runCommand)(path, ['--version'], 10_000);
  const version = result.status === 0 ? parseDockerdVersionOutput(result.stdout) : undefined;
  if (version === undefined) {
    const failure = result.failure ?? `"${path} --version" printed no version`;
    return { path, version, failure, replacedOnDisk };
  }
  return { path, version, replacedOnDisk };
}
