import { join } from 'node:path';
import { type ControlFileInfo, DbState, readControlFile } from '../../core/pg/server-files/control-file.js';
import { type DataDirectory, inspectDataDirectory } from '../../core/pg/server-files/data-directory.js';
import {
  POSTMASTER_PID_FILE,
  type PostmasterPidFile,
  readPostmasterPid,
} from '../../core/pg/server-files/postmaster-pid.js';
import { ServerFileError } from '../../core/pg/server-files/server-file-error.js';

/** What promote learns about a local server before it touches anything. */
export interface LocalStandby {
  readonly directory: DataDirectory;
  readonly pidFile: PostmasterPidFile;
  readonly pidFilePath: string;
  readonly control: ControlFileInfo;
}

/**
 * pg_ctl promote's checks, in its order and with its messages: the directory, the PID file
 * (a running postmaster, not a single-user backend), then pg_control's state, which must be
 * "in archive recovery". Reads only; nothing is written into the data directory.
 */
export const inspectLocalStandby = async (dataDir: string): Promise<LocalStandby> => {
  const directory = await inspectDataDirectory(dataDir);
  const pidFilePath = join(dataDir, POSTMASTER_PID_FILE);
  const pidFile = await readPostmasterPid(dataDir);
  if (pidFile === undefined) {
    throw new ServerFileError('no-pid-file', `PID file "${pidFilePath}" does not exist`, pidFilePath, {
      hint: 'Is server running?',
    });
  }
  if (pidFile.singleUser) {
    throw new ServerFileError(
      'single-user-server',
      `cannot promote server; single-user server is running (PID: ${pidFile.pid})`,
      pidFilePath,
    );
  }
  const control = await readControlFile(dataDir);
  if (control.state !== DbState.inArchiveRecovery) {
    throw new ServerFileError('not-in-standby', 'cannot promote server; server is not in standby mode', pidFilePath, {
      hint: `pg_control says the cluster is ${control.stateName}.`,
    });
  }
  return { directory, pidFile, pidFilePath, control };
};
