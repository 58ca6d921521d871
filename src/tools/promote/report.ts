import type { ToolIO } from '../../core/cli/io.js';
import { type Output, createOutput } from '../../core/cli/output.js';
import { formatLsn } from '../../core/wal/lsn.js';
import type { TimelineSwitch } from '../../core/pg/server-files/timeline-switch.js';

/**
 * promote's messages on stdout, worded as pg_ctl's ("waiting for server to promote....
 * done", "server promoted", "server promoting") so scripts that read them keep working.
 * -s silences them; --json replaces them with one document at the end.
 */
export interface PromoteReporter {
  readonly out: Output;
  waitStart(): void;
  waitSecond(): void;
  waitDone(): void;
  waitStopped(): void;
  promoted(timelineSwitch: TimelineSwitch | undefined): void;
  promoting(): void;
  dryRun(): void;
}

export const createReporter = (io: ToolIO, options: { silent: boolean; json: boolean }): PromoteReporter => {
  const out = createOutput('promote', io);
  const quiet = options.silent || options.json;
  const write = (text: string): void => {
    if (!quiet) io.stdout.write(text);
  };
  let waiting = false;
  return {
    out,
    waitStart: () => {
      waiting = true;
      write('waiting for server to promote...');
    },
    waitSecond: () => write('.'),
    waitDone: () => {
      if (waiting) write(' done\n');
      waiting = false;
    },
    waitStopped: () => {
      if (waiting) write(' stopped waiting\n');
      waiting = false;
    },
    promoted: (timelineSwitch) => {
      write('server promoted\n');
      if (timelineSwitch !== undefined) {
        write(
          `new timeline ${timelineSwitch.timeline} began at ${formatLsn(timelineSwitch.startLsn)} ` +
            `(previous timeline ${timelineSwitch.previousTimeline})\n`,
        );
      }
    },
    promoting: () => write('server promoting\n'),
    dryRun: () => write('check passed; not promoting (--dry-run)\n'),
  };
};

export interface PromoteJson {
  readonly mode: 'local' | 'remote';
  readonly promoted: boolean;
  readonly waited: boolean;
  readonly dryRun: boolean;
  readonly timeline: number | null;
  readonly previousTimeline: number | null;
  readonly timelineStartLsn: string | null;
  readonly check: unknown;
  readonly refused: string | null;
}

export const timelineJson = (
  timelineSwitch: TimelineSwitch | undefined,
): Pick<PromoteJson, 'timeline' | 'previousTimeline' | 'timelineStartLsn'> => ({
  timeline: timelineSwitch?.timeline ?? null,
  previousTimeline: timelineSwitch?.previousTimeline ?? null,
  timelineStartLsn: timelineSwitch === undefined ? null : formatLsn(timelineSwitch.startLsn),
});

/** Refusals whose --json document the job already printed (with the check that refused). */
const REPORTED_AS_JSON = new Set(['replay-behind']);

/**
 * --json promises one document on stdout whatever happens: a refusal or failure before the
 * job could report gets `{ promoted: false, error }` (the message also goes to stderr).
 */
export const printFailureJson = (io: ToolIO, mode: 'local' | 'remote', error: unknown): void => {
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'error';
  if (REPORTED_AS_JSON.has(code)) return;
  const hint = (error as { hint?: unknown }).hint;
  createOutput('promote', io).json({
    mode,
    promoted: false,
    error: {
      code,
      message: error instanceof Error ? error.message : String(error),
      ...(typeof hint === 'string' ? { hint } : {}),
    },
  });
};
