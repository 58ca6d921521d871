import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message ("standby to replay 0/3000060"). */
  readonly description?: string;
}

/**
 * Polls `predicate` until it returns a value other than false/undefined/null and returns that
 * value; errors thrown by the predicate count as "not yet" (servers restarting). On timeout the
 * last error, if any, is the cause.
 */
export async function waitFor<T>(predicate: () => Promise<T | false | undefined | null> | T | false | undefined | null, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== false && value !== undefined && value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? 'condition';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, lastError === undefined ? undefined : { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
