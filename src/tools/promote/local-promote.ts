import { setTimeout as sleep } from 'node:timers/promises';
import { WarmstandbyError } from '../../core/errors.js';
import { DbState, readControlFile } from '../../core/pg/server-files/control-file.js';
import { readPostmasterPid } from '../../core/pg/server-files/postmaster-pid.js';
import { processExists, signalPostmaster, verifyPostmaster } from '../../core/pg/server-files/postmaster-process.js';
import { removePromoteSignal, writePromoteSignal } from '../../core/pg/server-files/promote-signal.js';
import { type TimelineSwitch, readNewestTimelineSwitch } from '../../core/pg/server-files/timeline-switch.js';
import type { LocalStandby } from './local-standby.js';

export interface LocalPromoteRequest {
  readonly standby: LocalStandby;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  readonly signal?: AbortSignal;
  /** Called when waiting starts, then once per second of waiting (pg_ctl prints dots). */
  readonly onWaitStart?: () => void;
  readonly onWaitSecond?: () => void;
  readonly pollIntervalMs?: number;
}

export interface LocalPromoteResult {
  readonly pid: number;
  /** True once the server was seen in production; false with --no-wait. */
  readonly promoted: boolean;
  readonly waitedMs: number;
  /** The timeline the promotion created, read from its history file in pg_wal. */
  readonly timelineSwitch?: TimelineSwitch;
}

/** pg_ctl checks ten times a second. */
const POLL_INTERVAL_MS = 100;

export const didNotPromote = (hint: string): WarmstandbyError =>
  new WarmstandbyError('promote-timeout', 'server did not promote in time', { hint });

/**
 * Writes the promote signal file and sends SIGUSR1 to the postmaster, then (unless told not
 * to) polls pg_control until its state is "in production", giving up when the postmaster
 * goes away or the timeout passes, as pg_ctl promote does.
 */
export const promoteLocal = async (request: LocalPromoteRequest): Promise<LocalPromoteResult> => {
  const { standby } = request;
  const dataDir = standby.directory.path;
  const { pid } = standby.pidFile;
  await verifyPostmaster(pid, dataDir, standby.pidFilePath);
  const before = await readNewestTimelineSwitch(dataDir).catch(() => undefined);

  await writePromoteSignal(standby.directory);
  try {
    signalPostmaster(pid, standby.pidFilePath);
  } catch (error) {
    await removePromoteSignal(dataDir);
    throw error;
  }
  if (!request.wait) return { pid, promoted: false, waitedMs: 0 };

  request.onWaitStart?.();
  const started = Date.now();
  const timeoutMs = request.timeoutSeconds * 1000;
  const interval = request.pollIntervalMs ?? POLL_INTERVAL_MS;
  let secondsReported = 0;
  for (;;) {
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      throw didNotPromote('The promote request stays in place: the server may still finish promoting later.');
    }
    const pidFile = await readPostmasterPid(dataDir);
    if (pidFile === undefined || pidFile.pid !== pid || !processExists(pid)) {
      throw didNotPromote('The server stopped while promoting: see its log.');
    }
    const control = await readControlFile(dataDir);
    if (control.state === DbState.inProduction) {
      const after = await readNewestTimelineSwitch(dataDir).catch(() => undefined);
      const isNew = after !== undefined && (before === undefined || after.timeline > before.timeline);
      return { pid, promoted: true, waitedMs: Date.now() - started, ...(isNew ? { timelineSwitch: after } : {}) };
    }
    while (secondsReported * 1000 <= elapsed) {
      secondsReported += 1;
      request.onWaitSecond?.();
    }
    try {
      await sleep(interval, undefined, request.signal === undefined ? {} : { signal: request.signal });
    } catch {
      throw new WarmstandbyError('interrupted', 'stopped waiting for the server to promote', {
        hint: 'The promote request stays in place: the server may still finish promoting.',
      });
    }
  }
};
