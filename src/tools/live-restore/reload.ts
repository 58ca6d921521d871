import { topLevelBoolean } from '../../core/docker/daemon-json/daemon-config.js';
import { RefusedError } from '../../core/docker/errors.js';
import { getInfo } from '../../core/docker/engine-api.js';
import { triggerAndAwaitReload } from '../../core/docker/events.js';
import { sendReload, type ReloadSent } from '../../core/docker/signal.js';
import { gatherDaemonState, type DaemonState } from './daemon-state.js';
import type { LiveRestoreOptions } from './options.js';
import { requireDockerd, requireManageableDaemon, requireNotSwarm, requireReachable, requireValidFile } from './preflight.js';

export interface ReloadOutcome {
  readonly sent: ReloadSent;
  /** Whether dockerd reported the reload (it does only when the file was accepted). */
  readonly reloaded: boolean;
  /** live-restore as the reload event reported it. */
  readonly eventValue?: boolean;
  /** LiveRestoreEnabled from /info after the reload. */
  readonly running: boolean | undefined;
}

/** SIGHUP (or systemctl reload) while watching for dockerd's reload event, then ask /info. */
export async function reloadAndObserve(state: DaemonState, options: LiveRestoreOptions): Promise<ReloadOutcome> {
  const dockerd = requireDockerd(state, 'reload dockerd');
  let sent: ReloadSent | undefined;
  const event = await triggerAndAwaitReload(
    state.client,
    async () => {
      sent = await sendReload(
        { pid: dockerd.pid, ...(state.systemd === undefined ? {} : { systemd: state.systemd }) },
        { ...(options.run === undefined ? {} : { run: options.run }), timeoutMs: options.timeoutMs },
      );
    },
    options.timeoutMs,
  );
  const info = await getInfo(state.client);
  const attribute = event?.Actor?.Attributes?.['live-restore'];
  return {
    sent: sent ?? { method: 'signal', detail: '' },
    reloaded: event !== undefined,
    ...(attribute === undefined ? {} : { eventValue: attribute === 'true' }),
    running: info.LiveRestoreEnabled,
  };
}

export interface ReloadResult extends ReloadOutcome {
  readonly configFile: string;
  /** The file's value (null: the key is absent, so a reload leaves the running value). */
  readonly fileValue: boolean | null;
  readonly runningBefore: boolean | undefined;
}

/** `live-restore reload`: apply the file and prove the daemon took it. */
export async function runReload(options: LiveRestoreOptions): Promise<ReloadResult> {
  const state = await gatherDaemonState(options);
  requireReachable(state);
  requireValidFile(state, 'reload from');
  requireManageableDaemon(state, 'reload');
  const fileValue = topLevelBoolean(state.analysis?.root, 'live-restore') ?? null;
  if (fileValue === true) requireNotSwarm(state, 'reload a file that turns live restore on');
  const outcome = await reloadAndObserve(state, options);
  const result: ReloadResult = {
    ...outcome,
    configFile: state.configFile.path,
    fileValue,
    runningBefore: state.info?.LiveRestoreEnabled,
  };
  if (!outcome.reloaded) {
    throw new RefusedError('reload-not-seen', `Cannot confirm the reload: dockerd reported none within ${options.timeoutMs / 1000} s after ${outcome.sent.detail}`, {
      hint: 'dockerd rejects a file it cannot use without stopping; its log (journalctl -u docker) says why.',
    });
  }
  if (fileValue !== null && outcome.running !== fileValue) {
    throw new RefusedError('reload-not-applied', `Cannot confirm the reload: the file sets live-restore to ${fileValue} but the daemon reports ${String(outcome.running)}`);
  }
  return result;
}
