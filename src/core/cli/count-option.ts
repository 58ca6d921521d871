import { UsageError } from '../errors.js';

/**
 * A whole-number option in [min, max] (`fallback` when absent), or a usage error naming the
 * option and its range: `--jobs`, `--prefetch`, `--timeout`, `--idle-exit`.
 */
export const countOption = (
  value: unknown,
  option: string,
  range: { readonly fallback: number; readonly min: number; readonly max: number },
  error: { readonly exitStatus: number; readonly hint: string },
): number => {
  if (value === undefined) return range.fallback;
  const number = Number(value);
  if (!/^\d+$/.test(String(value)) || number < range.min || number > range.max) {
    throw new UsageError(`invalid value "${String(value)}" for option ${option} (${range.min}..${range.max})`, error);
  }
  return number;
};
