import { analyzeDaemonConfig, topLevelBoolean } from '../../core/docker/daemon-json/daemon-config.js';
import { setTopLevelBoolean } from '../../core/docker/daemon-json/edit.js';
import { restoreDaemonConfigFile, writeDaemonConfigFile } from '../../core/docker/daemon-json/write.js';
import { RefusedError } from '../../core/docker/errors.js';
import { getInfo } from '../../core/docker/engine-api.js';
import { parseMajorMinor } from '../../core/docker/version-rule.js';
import { gatherDaemonState, type DaemonState } from './daemon-state.js';
import { unifiedDiff } from './diff.js';
import type { ChangeOptions } from './options.js';
import { requireDockerd, requireManageableDaemon, requireNotSwarm, requireReachable, requireValidFile } from './preflight.js';
import { reloadAndObserve, type ReloadOutcome } from './reload.js';

export interface ChangeResult {
  readonly action: 'enable' | 'disable';
  readonly configFile: string;
  /**
   * already: file and daemon had the value; dry-run: nothing written; written: file changed,
   * no reload asked; applied: file changed (or already right) and the daemon took it.
   */
  readonly outcome: 'already' | 'dry-run' | 'written' | 'applied';
  readonly fileBefore: boolean | null;
  readonly runningBefore: boolean | undefined;
  readonly fileChanged: boolean;
  readonly created: boolean;
  readonly diff?: string;
  readonly reload?: ReloadOutcome;
  /** disable only: dockerd was not running, so the file was written without a reload. */
  readonly daemonDown?: boolean;
}

/**
 * `enable` / `disable`: preflight, splice `"live-restore": <value>` into daemon.json
 * atomically, reload, and verify through the API; if the daemon does not take the new value,
 * the previous file is put back. Disabling writes false because a reload only changes keys
 * present in the file.
 */
export async function runChange(desired: boolean, options: ChangeOptions): Promise<ChangeResult> {
  const action = desired ? 'enable' : 'disable';
  const state = await gatherDaemonState(options);
  // Turning it off must work while dockerd is down: that is how a swarm node whose start
  // fails on live restore gets going again. Everything else needs the daemon's answers.
  const daemonDown = !desired && state.unreachable !== undefined && state.dockerd === undefined;
  if (!daemonDown) requireReachable(state);
  requireValidFile(state, 'edit');
  requireManageableDaemon(state, `${action} live restore`);
  if (desired) requireNotSwarm(state, 'enable live restore');
  // Without dockerd's command line a --live-restore flag could not be ruled out, and a file
  // that repeats it would stop dockerd: enabling needs the process even with --no-reload.
  if ((desired || options.reload) && !options.dryRun && !daemonDown) requireDockerd(state, `${action} live restore`);
  const file = state.file;
  const analysis = state.analysis;
  if (file === undefined || analysis === undefined) throw new Error('daemon.json was not read');
  const fileBefore = topLevelBoolean(analysis.root, 'live-restore') ?? null;
  const runningBefore = state.info?.LiveRestoreEnabled;
  const base = {
    action,
    configFile: state.configFile.path,
    fileBefore,
    runningBefore,
    created: false,
  } as const;
  if (fileBefore === desired && (runningBefore === desired || !options.reload || daemonDown)) {
    return { ...base, outcome: 'already', fileChanged: false };
  }
  const fileChanged = fileBefore !== desired;
  const newText = fileChanged ? setTopLevelBoolean(analysis, 'live-restore', desired) : analysis.text;
  requireSafeResult(state, newText);
  const diff = fileChanged ? unifiedDiff(analysis.text, newText, state.configFile.path) : undefined;
  const created = fileChanged && !file.exists;
  const changed = { ...base, created, fileChanged, ...(diff === undefined ? {} : { diff }), ...(daemonDown ? { daemonDown } : {}) };
  if (options.dryRun) return { ...changed, outcome: 'dry-run' };
  const written = Buffer.from(newText, 'utf8');
  if (fileChanged) await writeDaemonConfigFile(file, written);
  if (!options.reload || daemonDown) return { ...changed, outcome: 'written' };
  let reload: ReloadOutcome;
  try {
    reload = await reloadAndObserve(state, options);
  } catch (error) {
    if (fileChanged) await restoreDaemonConfigFile(file, written);
    throw error;
  }
  if (reload.reloaded && reload.running === desired) return { ...changed, outcome: 'applied', reload };
  const why = reload.reloaded
    ? `dockerd reloaded but still reports live restore ${reload.running === true ? 'on' : 'off'}`
    : `dockerd reported no reload within ${options.timeoutMs / 1000} s after ${reload.sent.detail} (it rejected the file or did not get the signal)`;
  if (!fileChanged) throw new RefusedError('not-applied', `Cannot ${action} live restore: ${why}`);
  await restoreDaemonConfigFile(file, written);
  let late = '';
  if (reload.reloaded) await reloadAndObserve(state, options).catch(() => undefined);
  else if ((await getInfo(state.client).catch(() => undefined))?.LiveRestoreEnabled === desired) {
    // The signal was delivered; a reload that came after the timeout read the new file.
    late = '; the daemon applied it late and now differs from the file: run "live-restore reload"';
  }
  throw new RefusedError('not-applied', `Cannot ${action} live restore: ${why}; ${state.configFile.path} was put back as it was${late}`, {
    hint: "dockerd's log (journalctl -u docker) says why it rejected the configuration.",
  });
}

/** The file we are about to write must be one dockerd accepts with its current flags. */
const requireSafeResult = (state: DaemonState, newText: string): void => {
  const version = state.info === undefined ? undefined : parseMajorMinor(state.info.ServerVersion);
  const after = analyzeDaemonConfig({ exists: true, bytes: Buffer.from(newText, 'utf8') }, version);
  const problem = after.problems[0];
  if (problem !== undefined) {
    throw new RefusedError('unsafe-result', `Cannot write ${state.configFile.path}: the result would have ${problem.message} (line ${problem.line})`);
  }
  requireManageableDaemon({ ...state, analysis: after }, 'write the file');
};
