import { runChange, type ChangeResult } from './change.js';
import { runCheck, type CheckResult } from './check.js';
import type { ChangeOptions, CheckOptions, LiveRestoreOptions } from './options.js';
import { runReload, type ReloadResult } from './reload.js';
import { runStatus, type StatusReport } from './status.js';

export type LiveRestoreCommand =
  | { readonly name: 'status'; readonly options: LiveRestoreOptions }
  | { readonly name: 'enable' | 'disable'; readonly options: ChangeOptions }
  | { readonly name: 'reload'; readonly options: LiveRestoreOptions }
  | { readonly name: 'check'; readonly options: CheckOptions };

export type LiveRestoreResult =
  | { readonly name: 'status'; readonly report: StatusReport }
  | { readonly name: 'enable' | 'disable'; readonly result: ChangeResult }
  | { readonly name: 'reload'; readonly result: ReloadResult }
  | { readonly name: 'check'; readonly result: CheckResult };

/**
 * The job behind every subcommand, callable without spawning: it returns data (the CLI layer
 * prints it) and throws typed errors for refusals.
 */
export async function runLiveRestore(command: LiveRestoreCommand): Promise<LiveRestoreResult> {
  switch (command.name) {
    case 'status':
      return { name: 'status', report: await runStatus(command.options) };
    case 'enable':
    case 'disable':
      return { name: command.name, result: await runChange(command.name === 'enable', command.options) };
    case 'reload':
      return { name: 'reload', result: await runReload(command.options) };
    case 'check':
      return { name: 'check', result: await runCheck(command.options) };
  }
}

/** 0 clean, 1 findings, 3 when the daemon could not be reached (findings still listed). */
export const checkExitStatus = (result: CheckResult): number =>
  !result.reachable ? 3 : result.findings.length > 0 ? 1 : 0;
