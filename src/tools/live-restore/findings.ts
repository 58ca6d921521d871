import { topLevelBoolean, topLevelKeys, topLevelString } from '../../core/docker/daemon-json/daemon-config.js';
import { flattenedKeys } from '../../core/docker/daemon-json/known-keys.js';
import { findFlagFileConflicts, flagValues } from '../../core/docker/dockerd-args.js';
import { swarmState } from '../../core/docker/engine-api.js';
import { formatMajorMinor, upgradeVerdict } from '../../core/docker/version-rule.js';
import type { DaemonState } from './daemon-state.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  /** One line telling what to do. */
  readonly fix: string;
}

export interface FindingContext {
  readonly targetVersion?: string;
  /** realpath of the data-root named in the file, when it exists. */
  readonly fileDataRootReal?: string;
}

/** The value in the file: true/false when the key is present, undefined otherwise. */
export const fileLiveRestore = (state: DaemonState): boolean | undefined => topLevelBoolean(state.analysis?.root, 'live-restore');

/** Every reason live restore is off, will not survive a restart, or will stop dockerd. */
export const computeFindings = (state: DaemonState, context: FindingContext = {}): Finding[] => {
  const findings: Finding[] = [];
  const add = (id: string, severity: Severity, message: string, fix: string): void => {
    findings.push({ id, severity, message, fix });
  };
  const path = state.configFile.path;
  const { info, analysis } = state;
  const inFile = fileLiveRestore(state);
  const running = info?.LiveRestoreEnabled;
  const swarm = info === undefined ? undefined : swarmState(info);

  if (state.unreachable !== undefined) add('daemon-unreachable', 'error', state.unreachable.message, state.unreachable.hint ?? 'Start dockerd or name its socket with -H.');
  if (state.fileError !== undefined) add('config-unreadable', 'error', state.fileError.message, state.fileError.hint ?? 'Make the file readable.');
  for (const problem of analysis?.problems ?? []) {
    add('config-invalid', 'error', `${path}:${problem.line}:${problem.column}: ${problem.message}; dockerd will not start or reload with it`, 'Fix the file by hand (dockerd reads it strictly).');
  }
  if (state.configFile.dockerdReads !== undefined) {
    add('config-file-mismatch', 'error', `dockerd reads ${state.configFile.dockerdReads}, not ${path}`, `Use --config-file ${state.configFile.dockerdReads}.`);
  }
  if (info?.OSType === 'windows') {
    add('windows', 'error', 'the daemon runs Windows containers: live restore is not supported there and dockerd rejects the "live-restore" key', 'Remove "live-restore" from the Windows daemon configuration.');
  }
  if (state.dockerd !== undefined && analysis?.root !== undefined) {
    for (const conflict of findFlagFileConflicts(state.dockerd.commandLine, flattenedKeys(analysis.root))) {
      add('flag-and-file', 'error', `"${conflict.key}" is set both in ${path} and as ${conflict.flag} on dockerd's command line: dockerd will not start (nor reload)`, `Remove "${conflict.key}" from the file or ${conflict.flag} from dockerd's command line (systemd unit or /etc/default/docker).`);
    }
  }
  if (state.flagLiveRestore !== undefined && !findings.some((f) => f.id === 'flag-and-file' && f.message.startsWith('"live-restore"'))) {
    add('live-restore-flag', 'warning', `dockerd's command line sets --live-restore${state.flagLiveRestore ? '' : '=false'}: ${path} must not set it too (dockerd would not start), so it cannot be managed there`, 'Move it to the file: remove --live-restore from dockerd\'s command line, then run "live-restore enable".');
  }
  if (swarm !== undefined && swarm !== 'inactive' && (inFile === true || running === true || state.flagLiveRestore === true)) {
    const where = [inFile === true ? 'the file' : '', running === true ? 'the running daemon' : '', state.flagLiveRestore === true ? 'the command line' : ''].filter(Boolean).join(' and ');
    add('swarm-live-restore', 'error', `this node is in swarm mode (${swarm}) with live restore on in ${where}: the next dockerd start fails ("--live-restore daemon configuration is incompatible with swarm mode")`, 'Run "live-restore disable", or leave the swarm first.');
  }
  if (running !== undefined && state.flagLiveRestore === undefined && analysis?.root !== undefined && analysis.problems.length === 0) {
    if (inFile !== undefined && inFile !== running) {
      add('reload-pending', 'warning', `${path} sets live-restore to ${inFile} but the daemon runs with ${running}: a reload is pending`, 'Run "live-restore reload" (or restart dockerd).');
    } else if (inFile === undefined && running) {
      add('off-after-restart', 'warning', `live restore is on in the running daemon but neither ${path} nor the command line sets it: the next start turns it off`, 'Run "live-restore enable" to write it to the file.');
    }
  }
  const effective = state.flagLiveRestore ?? inFile ?? running;
  if (running === false && effective !== true && (swarm === undefined || swarm === 'inactive') && info?.OSType !== 'windows') {
    add('live-restore-off', 'warning', 'live restore is off: stopping or restarting dockerd stops every container', 'Run "live-restore enable".');
  }
  if (state.systemd !== undefined && state.systemd.killMode !== 'process') {
    const mode = state.systemd.killModeText || 'unknown';
    add('kill-mode', state.systemd.killMode === 'none' ? 'warning' : 'error', `${state.systemd.unit} has KillMode=${mode}: stopping the service ${state.systemd.killMode === 'none' ? 'relies on a deprecated mode' : 'kills the processes of its cgroup, containers included'}`, `Set KillMode=process in a drop-in (systemctl edit ${state.systemd.unit}) and run systemctl daemon-reload.`);
  }
  if (state.managedContainerd !== undefined) {
    add('managed-containerd', 'warning', `dockerd runs its own containerd (pid ${state.managedContainerd.pid}): it stops with dockerd, and its shims live in dockerd's cgroup${state.systemd === undefined ? '' : ` (${state.systemd.unit})`}`, 'Run the system containerd service and start dockerd with --containerd=/run/containerd/containerd.sock.');
  }
  const runningVersion = info?.ServerVersion;
  if (runningVersion !== undefined && state.installed?.version !== undefined) {
    const verdict = upgradeVerdict(runningVersion, state.installed.version);
    if (verdict.kind === 'not-covered') {
      add('installed-version', 'warning', `the installed dockerd (${state.installed.path}) is ${state.installed.version} but ${runningVersion} is running: live restore does not carry containers from ${formatMajorMinor(verdict.from)} to ${formatMajorMinor(verdict.to)}`, 'Stop or drain the containers before restarting into the new release.');
    }
  }
  if (runningVersion !== undefined && context.targetVersion !== undefined) {
    const verdict = upgradeVerdict(runningVersion, context.targetVersion);
    if (verdict.kind === 'not-covered') {
      add('target-version', 'warning', `upgrading ${runningVersion} to ${context.targetVersion} changes MAJOR.MINOR (${formatMajorMinor(verdict.from)} → ${formatMajorMinor(verdict.to)}): live restore only covers patch releases`, 'Plan a container restart for this upgrade, or pick a patch release of the running MAJOR.MINOR.');
    } else if (verdict.kind === 'unknown') {
      add('target-version', 'warning', `cannot compare versions: ${verdict.reason}`, 'Pass --target-version as MAJOR.MINOR.PATCH.');
    }
  }
  addRestoreBreakers(state, context, add);
  return findings;
};

const addRestoreBreakers = (
  state: DaemonState,
  context: FindingContext,
  add: (id: string, severity: Severity, message: string, fix: string) => void,
): void => {
  const { info, analysis } = state;
  if (info === undefined || analysis?.root === undefined) return;
  const path = state.configFile.path;
  const driver = topLevelString(analysis.root, 'storage-driver');
  if (driver !== undefined && info.Driver !== undefined && driver !== info.Driver) {
    add('storage-driver-differs', 'error', `${path} names storage driver "${driver}" but the daemon runs "${info.Driver}": after a restart it will not find the running containers`, `Set "storage-driver" back to "${info.Driver}" until the containers are stopped.`);
  }
  const keys = topLevelKeys(analysis.root);
  const dataRoot = topLevelString(analysis.root, 'data-root') ?? topLevelString(analysis.root, 'graph');
  const remapped = keys.includes('userns-remap') || (state.dockerd !== undefined && flagValues(state.dockerd.commandLine, 'userns-remap').length > 0);
  if (dataRoot !== undefined && info.DockerRootDir !== undefined) {
    const fileRoot = (context.fileDataRootReal ?? dataRoot).replace(/\/+$/, '');
    const runningRoot = info.DockerRootDir.replace(/\/+$/, '');
    // With userns-remap the daemon reports <data-root>/<uid>.<gid>.
    const same = fileRoot === runningRoot || (remapped && runningRoot.startsWith(`${fileRoot}/`));
    if (!same) {
      add('data-root-differs', 'error', `${path} names data root "${dataRoot}" but the daemon runs from "${info.DockerRootDir}": after a restart it will not find the running containers`, `Set "data-root" back to "${info.DockerRootDir}" until the containers are stopped.`);
    }
  }
};
