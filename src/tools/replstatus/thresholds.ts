import { UsageError } from '../../core/errors.js';

/**
 * --check's limits. A lag limit is bytes or seconds, as the operator wrote it; with none
 * given, only conditions that are wrong at any size are reported (a synchronous shortfall,
 * a lost slot, a failing archiver, a stall, an unreachable node).
 */
export type Limit = { readonly kind: 'bytes'; readonly value: number } | { readonly kind: 'seconds'; readonly value: number };

export interface Thresholds {
  readonly warnLag?: Limit;
  readonly critLag?: Limit;
  /** WAL a slot holds back, in bytes. */
  readonly warnSlotRetention?: number;
  readonly critSlotRetention?: number;
  /** Seconds since the archiver last succeeded while segments wait. */
  readonly warnArchiverAge?: number;
  readonly critArchiverAge?: number;
  /** No reply from a standby for this long is a stall (default: 3 of its status intervals). */
  readonly stallSeconds?: number;
}

// As PostgreSQL's GUC units: 1 kB = 1024 bytes; a bare number is bytes.
const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, min: 60, h: 3600, d: 86400 };

export const parseLimit = (text: string, option: string): Limit => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = match?.[2] ?? '';
  const amount = Number(match?.[1]);
  if (match !== null && Number.isFinite(amount)) {
    const bytes = BYTE_UNITS[unit];
    if (bytes !== undefined) return { kind: 'bytes', value: Math.round(amount * bytes) };
    const seconds = TIME_UNITS[unit];
    if (seconds !== undefined) return { kind: 'seconds', value: amount * seconds };
  }
  throw new UsageError(
    `invalid value "${text}" for ${option}: expected a size (bytes, kB, MB, GB, TB) or a duration (ms, s, min, h, d)`,
  );
};

export const parseBytes = (text: string, option: string): number => {
  const limit = parseLimit(text, option);
  if (limit.kind !== 'bytes') throw new UsageError(`invalid value "${text}" for ${option}: expected a size such as 1GB`);
  return limit.value;
};

export const parseSeconds = (text: string, option: string): number => {
  const limit = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? { kind: 'seconds' as const, value: Number(text) } : parseLimit(text, option);
  if (limit.kind !== 'seconds') throw new UsageError(`invalid value "${text}" for ${option}: expected a duration such as 30s`);
  return limit.value;
};
