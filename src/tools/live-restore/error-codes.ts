/** Codes of live-restore (exit statuses: DockerExitStatus). */
export const LiveRestoreErrorCode = {
  /** dockerd runs with another --config-file than the one named. */
  configFileMismatch: 'config-file-mismatch',
  /** No running dockerd to reload. */
  dockerdNotFound: 'dockerd-not-found',
  /** live-restore is also set on dockerd's command line. */
  flagConflict: 'flag-conflict',
  /** The edit could not be written. */
  notApplied: 'not-applied',
  /** dockerd reloaded but did not take the setting. */
  reloadNotApplied: 'reload-not-applied',
  /** dockerd did not report a reload. */
  reloadNotSeen: 'reload-not-seen',
  /** A swarm node: live-restore does not apply. */
  swarmActive: 'swarm-active',
  /** The edited file would not be accepted by dockerd. */
  unsafeResult: 'unsafe-result',
  /** A Windows daemon: live-restore does not apply. */
  windows: 'windows',
} as const;
export type LiveRestoreErrorCode = (typeof LiveRestoreErrorCode)[keyof typeof LiveRestoreErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    liveRestore: typeof LiveRestoreErrorCode;
  }
}
