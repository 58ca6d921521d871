import { realpath } from 'node:fs/promises';
import { topLevelString } from '../../core/docker/daemon-json/daemon-config.js';
import { gatherDaemonState } from './daemon-state.js';
import { computeFindings, type Finding } from './findings.js';
import type { CheckOptions } from './options.js';

export interface CheckResult {
  readonly host: string;
  readonly configFile: string;
  readonly reachable: boolean;
  readonly findings: readonly Finding[];
}

/** `live-restore check`: every finding, worst first. */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const state = await gatherDaemonState(options);
  const dataRoot = topLevelString(state.analysis?.root, 'data-root') ?? topLevelString(state.analysis?.root, 'graph');
  const fileDataRootReal = dataRoot === undefined ? undefined : await realpath(dataRoot).catch(() => undefined);
  const findings = computeFindings(state, {
    ...(options.targetVersion === undefined ? {} : { targetVersion: options.targetVersion }),
    ...(fileDataRootReal === undefined ? {} : { fileDataRootReal }),
  });
  findings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return {
    host: state.endpoint.url,
    configFile: state.configFile.path,
    reachable: state.unreachable === undefined,
    findings,
  };
}
