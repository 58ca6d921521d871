import { DaemonConfigError, RefusedError } from '../../core/docker/errors.js';
import { flattenedKeys } from '../../core/docker/daemon-json/known-keys.js';
import { findFlagFileConflicts } from '../../core/docker/dockerd-args.js';
import { swarmState } from '../../core/docker/engine-api.js';
import type { DaemonState } from './daemon-state.js';

/** The daemon must answer: every change is verified through it. */
export const requireReachable = (state: DaemonState): void => {
  if (state.unreachable !== undefined) throw state.unreachable;
};

/** The file must be one dockerd accepts, or we would write on top of a broken one. */
export const requireValidFile = (state: DaemonState, action: string): void => {
  if (state.fileError !== undefined) throw state.fileError;
  const problems = state.analysis?.problems ?? [];
  const first = problems[0];
  if (first === undefined) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  throw new DaemonConfigError(
    first.code,
    `Cannot ${action} ${state.configFile.path}: line ${first.line}, column ${first.column}: ${first.message}${more}`,
    { path: state.configFile.path, line: first.line, column: first.column },
    { hint: 'Fix the file by hand first; it was left untouched.' },
  );
};

/** Refusals shared by enable, disable and reload. */
export const requireManageableDaemon = (state: DaemonState, action: string): void => {
  const path = state.configFile.path;
  if (state.configFile.dockerdReads !== undefined) {
    throw new RefusedError('config-file-mismatch', `Cannot ${action}: dockerd reads ${state.configFile.dockerdReads}, not ${path}`, {
      hint: `Use --config-file ${state.configFile.dockerdReads}.`,
    });
  }
  if (state.info?.OSType === 'windows') {
    throw new RefusedError('windows', `Cannot ${action}: the daemon runs Windows containers, where live restore is not supported`);
  }
  if (state.flagLiveRestore !== undefined) {
    throw new RefusedError(
      'flag-conflict',
      `Cannot ${action}: dockerd's command line sets --live-restore${state.flagLiveRestore ? '' : '=false'}, and dockerd refuses to start when the file sets it too`,
      { hint: 'Remove --live-restore from dockerd\'s command line (systemd unit or /etc/default/docker), restart dockerd, then run this again.' },
    );
  }
  if (state.dockerd !== undefined && state.analysis?.root !== undefined) {
    const conflicts = findFlagFileConflicts(state.dockerd.commandLine, flattenedKeys(state.analysis.root));
    const first = conflicts[0];
    if (first !== undefined) {
      throw new RefusedError(
        'flag-conflict',
        `Cannot ${action}: "${first.key}" is set both in ${path} and as ${first.flag} on dockerd's command line, so dockerd would not reload or start`,
        { hint: `Remove "${first.key}" from the file or ${first.flag} from the command line first.` },
      );
    }
  }
};

/** A swarm node must never get live restore on: its next start fails. */
export const requireNotSwarm = (state: DaemonState, action: string): void => {
  const swarm = state.info === undefined ? 'inactive' : swarmState(state.info);
  if (swarm !== 'inactive') {
    throw new RefusedError(
      'swarm-active',
      `Cannot ${action}: this node is in swarm mode (${swarm}); dockerd would accept the reload but fail at its next start ("--live-restore daemon configuration is incompatible with swarm mode")`,
      { hint: 'Leave the swarm first (docker swarm leave), or keep live restore off on swarm nodes.' },
    );
  }
};

/** Reloading needs the local dockerd process (its pid, or its systemd unit). */
export const requireDockerd = (state: DaemonState, action: string): NonNullable<DaemonState['dockerd']> => {
  if (state.dockerd !== undefined) return state.dockerd;
  const why = state.dockerdNotes.length > 0 ? state.dockerdNotes.join('; ') : 'no dockerd process found';
  throw new RefusedError('dockerd-not-found', `Cannot ${action}: ${why}`, {
    hint: 'Pass --pidfile (dockerd\'s --pidfile), or use --no-reload and restart dockerd yourself.',
  });
};
