import { swarmState } from '../../core/docker/engine-api.js';
import { gatherDaemonState, type DaemonState } from './daemon-state.js';
import { fileLiveRestore } from './findings.js';
import type { LiveRestoreOptions } from './options.js';

/** The default (and only unprivileged) size of a pipe: a container's stdout/stderr FIFO. */
export const FIFO_BYTES = 64 * 1024;

/** `live-restore status` as data: printed as a table, or as is with --json. */
export interface StatusReport {
  readonly host: string;
  readonly reachable: boolean;
  readonly unreachableReason?: string;
  readonly apiVersion?: string;
  readonly serverVersion?: string;
  readonly osType?: string;
  /** `exists` is null when the file could not be read. */
  readonly configFile: { readonly path: string; readonly source: string; readonly exists: boolean | null; readonly dockerdReads?: string };
  /** true/false from the file, null when the key is absent, 'invalid' when unreadable. */
  readonly fileValue: boolean | null | 'invalid';
  readonly fileProblems: readonly string[];
  readonly runningValue?: boolean;
  readonly commandLineFlag: boolean | null | 'unknown';
  readonly dockerd?: { readonly pid: number; readonly foundBy: string; readonly exe?: string };
  readonly dockerdNotes: readonly string[];
  readonly swarm?: string;
  readonly storageDriver?: string;
  readonly dataRoot?: string;
  readonly runningContainers?: number;
  readonly containerd: { readonly managedByDockerd: boolean; readonly pid?: number } | 'unknown';
  readonly systemd: { readonly unit: string; readonly killMode: string; readonly activeState: string } | null | 'unknown';
  readonly installedDockerd?: { readonly path: string; readonly version: string | null };
  readonly pipeMaxSize?: number;
  readonly fifoNote: string;
}

export async function runStatus(options: LiveRestoreOptions): Promise<StatusReport> {
  return statusReport(await gatherDaemonState(options));
}

export const statusReport = (state: DaemonState): StatusReport => {
  const { info } = state;
  const fileValue = state.analysis === undefined || state.analysis.problems.length > 0 ? 'invalid' : fileLiveRestore(state) ?? null;
  const fileProblems = [
    ...(state.fileError === undefined ? [] : [state.fileError.message]),
    ...(state.analysis?.problems ?? []).map((p) => `line ${p.line}, column ${p.column}: ${p.message}`),
  ];
  return {
    host: state.endpoint.url,
    reachable: state.unreachable === undefined,
    ...(state.unreachable === undefined ? {} : { unreachableReason: state.unreachable.message }),
    ...(state.client.apiVersion === undefined ? {} : { apiVersion: state.client.apiVersion }),
    ...(info === undefined ? {} : { serverVersion: info.ServerVersion }),
    ...(info?.OSType === undefined ? {} : { osType: info.OSType }),
    configFile: {
      path: state.configFile.path,
      source: state.configFile.source,
      exists: state.file?.exists ?? null,
      ...(state.configFile.dockerdReads === undefined ? {} : { dockerdReads: state.configFile.dockerdReads }),
    },
    fileValue,
    fileProblems,
    ...(info?.LiveRestoreEnabled === undefined ? {} : { runningValue: info.LiveRestoreEnabled }),
    commandLineFlag: state.dockerd === undefined ? 'unknown' : state.flagLiveRestore ?? null,
    ...(state.dockerd === undefined
      ? {}
      : { dockerd: { pid: state.dockerd.pid, foundBy: state.dockerd.foundBy, ...(state.dockerd.exe === undefined ? {} : { exe: state.dockerd.exe }) } }),
    dockerdNotes: state.dockerdNotes,
    ...(info === undefined ? {} : { swarm: swarmState(info) }),
    ...(info?.Driver === undefined ? {} : { storageDriver: info.Driver }),
    ...(info?.DockerRootDir === undefined ? {} : { dataRoot: info.DockerRootDir }),
    ...(info?.ContainersRunning === undefined ? {} : { runningContainers: info.ContainersRunning }),
    containerd:
      state.dockerd === undefined
        ? 'unknown'
        : state.managedContainerd === undefined
          ? { managedByDockerd: false }
          : { managedByDockerd: true, pid: state.managedContainerd.pid },
    systemd:
      state.dockerd === undefined
        ? 'unknown'
        : state.systemd === undefined
          ? null
          : { unit: state.systemd.unit, killMode: state.systemd.killModeText, activeState: state.systemd.activeState },
    ...(state.installed === undefined ? {} : { installedDockerd: { path: state.installed.path, version: state.installed.version ?? null } }),
    ...(state.pipeMaxSize === undefined ? {} : { pipeMaxSize: state.pipeMaxSize }),
    fifoNote: `while dockerd is down, a container blocks on output once its ${FIFO_BYTES / 1024} KiB stdout/stderr FIFO is full`,
  };
};

const yesNo = (value: boolean): string => (value ? 'on' : 'off');

/** Field/value rows for the table. */
export const statusRows = (report: StatusReport): string[][] => {
  const rows: string[][] = [];
  const row = (field: string, value: string): void => {
    rows.push([field, value]);
  };
  row('Docker host', report.host);
  row('Daemon', report.reachable ? `reachable (API ${report.apiVersion ?? '?'})` : `unreachable: ${report.unreachableReason ?? ''}`);
  const cfg = report.configFile;
  const source = cfg.source === 'dockerd' ? "dockerd's --config-file" : cfg.source === 'option' ? '--config-file' : 'default';
  row('Config file', `${cfg.path} (${source}${cfg.exists === null ? ', unreadable' : cfg.exists ? '' : ', absent'})${cfg.dockerdReads === undefined ? '' : `; dockerd reads ${cfg.dockerdReads}`}`);
  row('In the file', report.fileValue === 'invalid' ? `invalid: ${report.fileProblems[0] ?? ''}` : report.fileValue === null ? 'not set' : yesNo(report.fileValue));
  row('Running daemon', report.runningValue === undefined ? 'unknown' : yesNo(report.runningValue));
  row('Command-line flag', report.commandLineFlag === 'unknown' ? 'unknown (dockerd not found)' : report.commandLineFlag === null ? 'not set' : `--live-restore=${report.commandLineFlag}`);
  const foundBy = report.dockerd?.foundBy === 'pidfile' ? 'from its pid file' : 'found in /proc';
  row('dockerd process', report.dockerd === undefined ? `not found${report.dockerdNotes.length > 0 ? `: ${report.dockerdNotes.join('; ')}` : ''}` : `pid ${report.dockerd.pid} (${foundBy})`);
  row('Swarm', report.swarm ?? 'unknown');
  row('Server version', report.serverVersion ?? 'unknown');
  if (report.installedDockerd !== undefined) row('Installed dockerd', `${report.installedDockerd.version ?? 'unknown version'} (${report.installedDockerd.path})`);
  row('Storage driver', report.storageDriver ?? 'unknown');
  row('Data root', report.dataRoot ?? 'unknown');
  row('Running containers', report.runningContainers === undefined ? 'unknown' : String(report.runningContainers));
  row('containerd', report.containerd === 'unknown' ? 'unknown' : report.containerd.managedByDockerd ? `managed by dockerd (pid ${report.containerd.pid ?? '?'})` : 'external (system containerd)');
  row('systemd', report.systemd === 'unknown' ? 'unknown' : report.systemd === null ? 'not managed by systemd' : `${report.systemd.unit}: KillMode=${report.systemd.killMode}, ${report.systemd.activeState}`);
  row('Pipe limit', report.pipeMaxSize === undefined ? 'unknown' : `${report.pipeMaxSize} bytes (fs.pipe-max-size)`);
  row('While dockerd is down', `output blocks once a container's ${FIFO_BYTES / 1024} KiB FIFO is full`);
  return rows;
};
