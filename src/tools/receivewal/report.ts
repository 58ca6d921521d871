import type { ToolIO } from '../../core/cli/io.js';
import { createOutput, type Output } from '../../core/cli/output.js';
import { formatBytes } from '../../core/cli/progress.js';
import { formatLsn } from '../../core/wal/lsn.js';

/**
 * receivewal's terminal: pg_receivewal's log lines (`receivewal: …`, warnings, errors) and,
 * on a TTY, one self-rewriting progress line (position, lag behind the server, MB/s) that
 * each log line first erases, so the two never interleave.
 */
export interface Reporter {
  readonly out: Output;
  info(message: string): void;
  verbose(message: string): void;
  warn(message: string): void;
  error(message: string, hint?: string): void;
  /** Position received, the server's end of WAL as last reported, and the timeline. */
  progress(received: bigint, serverEnd: bigint, timeline: number): void;
  /** Clears the progress line (at exit). */
  finish(): void;
}

export interface ReporterOptions {
  readonly tool: string;
  readonly verbose: boolean;
  readonly progress: boolean;
  readonly now?: () => number;
}

const REDRAW_MS = 200;
const RATE_WINDOW_MS = 3000;

export const createReporter = (io: ToolIO, options: ReporterOptions): Reporter => {
  const out = createOutput(options.tool, io);
  const now = options.now ?? Date.now;
  const tty = options.progress && io.stderr.isTTY === true;
  let shown = false;
  let lastDraw = 0;
  const samples: { at: number; lsn: bigint }[] = [];

  const erase = (): void => {
    if (!shown) return;
    io.stderr.write('\r\x1b[K');
    shown = false;
  };
  const rate = (at: number, lsn: bigint): number => {
    samples.push({ at, lsn });
    while (samples.length > 2 && at - (samples[0]?.at ?? at) > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    if (first === undefined || at === first.at) return 0;
    return Number(lsn - first.lsn) / ((at - first.at) / 1000);
  };

  return {
    out,
    info: (message) => {
      erase();
      out.log(message);
    },
    verbose: (message) => {
      if (!options.verbose) return;
      erase();
      out.log(message);
    },
    warn: (message) => {
      erase();
      out.warn(message);
    },
    error: (message, hint) => {
      erase();
      out.error(message);
      if (hint !== undefined) out.hint(hint);
    },
    progress: (received, serverEnd, timeline) => {
      if (!tty) return;
      const at = now();
      const perSecond = rate(at, received);
      if (at - lastDraw < REDRAW_MS) return;
      lastDraw = at;
      const lag = serverEnd > received ? serverEnd - received : 0n;
      const state = lag === 0n ? 'caught up' : `${formatBytes(lag)} behind`;
      const speed = `${(perSecond / (1024 * 1024)).toFixed(1)} MB/s`;
      const width = Math.max(20, (io.stderr.columns ?? 80) - 1);
      const text = `${options.tool}: ${formatLsn(received)} (timeline ${timeline}), ${state}, ${speed}`;
      io.stderr.write(`\r${text.slice(0, width)}\x1b[K`);
      shown = true;
    },
    finish: erase,
  };
};
