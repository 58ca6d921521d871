import type { ToolIO } from '../../core/cli/io.js';
import { createOutput } from '../../core/cli/output.js';
import { createProgressLine } from '../../core/cli/progress.js';
import type { BaseBackupOptions } from './options.js';

/** What the backup job tells its user; the CLI decides how it looks. */
export interface BackupReporter {
  /** pg_basebackup's pg_log_info lines ("basebackup: checkpoint completed"). */
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** A server NOTICE/WARNING, printed as libpq prints it ("WARNING:  ..."). */
  notice(severity: string, message: string): void;
  /** -P: "waiting for checkpoint" while the server checkpoints. */
  waitingForCheckpoint(): void;
  progress(state: ProgressState, finished: boolean): void;
  /** Ends a progress line left on the terminal, so what follows starts a line of its own. */
  endProgress(): void;
}

export interface ProgressState {
  readonly doneBytes: number;
  readonly totalKb: number;
  readonly tablespaceNum: number;
  readonly tablespaceCount: number;
  readonly filename?: string;
}

const plural = (n: number): string => (n === 1 ? 'tablespace' : 'tablespaces');

/** pg_basebackup's progress line: "  1234/56789 kB (2%), 0/1 tablespace". */
export const progressText = (state: ProgressState, verbose: boolean): string => {
  const doneKb = Math.floor(state.doneBytes / 1024);
  const totalKb = Math.max(state.totalKb, doneKb);
  const percent = Math.min(100, totalKb > 0 ? Math.floor((doneKb * 100) / totalKb) : 0);
  const total = String(totalKb);
  const base = `${String(doneKb).padStart(total.length)}/${total} kB (${percent}%), ` +
    `${state.tablespaceNum}/${state.tablespaceCount} ${plural(state.tablespaceCount)}`;
  if (!verbose || state.filename === undefined) return base;
  const name = state.filename.length > 35 ? `...${state.filename.slice(-32)}` : state.filename;
  return `${base} (${name.padEnd(35)})`;
};

const formatEta = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
};

/** On a terminal: a bar, MB/s and the time left, redrawn in place. */
export const barText = (state: ProgressState, elapsedMs: number, width = 30): string => {
  const doneKb = state.doneBytes / 1024;
  const totalKb = Math.max(state.totalKb, doneKb);
  const fraction = totalKb > 0 ? Math.min(1, doneKb / totalKb) : 0;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? state.doneBytes / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? ((totalKb - doneKb) * 1024) / rate : Number.NaN;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)
    .toString()
    .padStart(3)}% ${(state.doneBytes / 1048576).toFixed(0)}/${(totalKb / 1024).toFixed(0)} MB ` +
    `${(rate / 1048576).toFixed(1)} MB/s ETA ${formatEta(eta)}, ${state.tablespaceNum}/${state.tablespaceCount} ` +
    plural(state.tablespaceCount);
};

export const createConsoleReporter = (io: ToolIO, options: BaseBackupOptions): BackupReporter => {
  const out = createOutput('basebackup', io);
  const tty = io.stderr.isTTY === true;
  const line = createProgressLine(io, { intervalMs: 200 });
  const started = Date.now();
  let lastPlain = 0;
  let showing = false;
  const interrupt = (): void => {
    if (showing) {
      line.done();
      showing = false;
    }
  };
  return {
    info: (message) => {
      interrupt();
      out.log(message);
    },
    warning: (message) => {
      interrupt();
      out.warn(message);
    },
    error: (message) => {
      interrupt();
      out.error(message);
    },
    notice: (severity, message) => {
      interrupt();
      io.stderr.write(`${severity}:  ${message}\n`);
    },
    endProgress: interrupt,
    waitingForCheckpoint: () => {
      io.stderr.write(`waiting for checkpoint${tty ? '\r' : '\n'}`);
    },
    progress: (state, finished) => {
      if (!options.progress) return;
      if (tty) {
        showing = true;
        const text = barText(state, Date.now() - started);
        if (finished) {
          line.done(text);
          showing = false;
        } else {
          line.update(text);
        }
        return;
      }
      // Not a terminal: pg_basebackup's lines, at most one a second.
      const now = Math.floor(Date.now() / 1000);
      if (!finished && now === lastPlain) return;
      lastPlain = now;
      io.stderr.write(`${progressText(state, options.verbose > 0)}\n`);
    },
  };
};
