import type { ToolIO } from '../../core/cli/io.js';
import type { CommandRunner } from '../../core/docker/run-command.js';

/** Options every subcommand shares (flags → this object in cli.ts). */
export interface LiveRestoreOptions {
  /** -H/--host; DOCKER_HOST and the defaults apply when absent. */
  readonly host?: string;
  readonly configFile?: string;
  readonly pidfile?: string;
  readonly timeoutMs: number;
  readonly io: ToolIO;
  /** Injectable for tests of systemd parsing; the real `systemctl` otherwise. */
  readonly run?: CommandRunner;
  /** Whether systemd is the init system (default: /run/systemd/system exists). */
  readonly systemdBooted?: boolean;
  readonly uid?: number;
}

export interface ChangeOptions extends LiveRestoreOptions {
  readonly reload: boolean;
  readonly dryRun: boolean;
}

export interface CheckOptions extends LiveRestoreOptions {
  /** The release an upgrade would install (--target-version). */
  readonly targetVersion?: string;
}
