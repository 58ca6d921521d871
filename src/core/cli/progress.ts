import type { ToolIO } from './io.js';

/**
 * A single self-rewriting status line on a TTY (stderr, like pg_basebackup -P). On anything
 * else it stays silent unless the tool asked for plain lines (`plainEveryMs`), so cron mail
 * and log files never fill with carriage returns.
 */
export interface ProgressLine {
  update(text: string): void;
  /** Leave the last text on screen and move to a new line. */
  done(text?: string): void;
}

export interface ProgressOptions {
  /** Minimum time between redraws. */
  readonly intervalMs?: number;
  /** When not a TTY, print a plain line at most this often (0 or absent: never). */
  readonly plainEveryMs?: number;
}

export const createProgressLine = (io: ToolIO, options: ProgressOptions = {}): ProgressLine => {
  const tty = io.stderr.isTTY === true;
  const interval = options.intervalMs ?? 100;
  const plainEvery = options.plainEveryMs ?? 0;
  let last = 0;
  let lastText = '';
  let shown = false;
  const width = (): number => Math.max(20, (io.stderr.columns ?? 80) - 1);
  const draw = (text: string): void => {
    const clipped = text.length > width() ? `${text.slice(0, width() - 1)}…` : text;
    io.stderr.write(`\r${clipped}\x1b[K`);
    shown = true;
  };
  return {
    update(text) {
      lastText = text;
      const now = Date.now();
      if (tty) {
        if (now - last >= interval) {
          last = now;
          draw(text);
        }
      } else if (plainEvery > 0 && now - last >= plainEvery) {
        last = now;
        io.stderr.write(`${text}\n`);
      }
    },
    done(text) {
      const final = text ?? lastText;
      if (tty) {
        if (final !== '') draw(final);
        if (shown) io.stderr.write('\n');
      } else if (plainEvery > 0 && final !== '') {
        io.stderr.write(`${final}\n`);
      }
    },
  };
};

/** "12.3 MB" style sizes for progress and summaries. */
export const formatBytes = (bytes: number | bigint): string => {
  let value = Number(bytes);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
};
