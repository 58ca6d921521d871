/**
 * Capped exponential backoff with jitter ("equal jitter": half fixed, half random), inside a
 * time budget: a hook must answer while the server still waits for it, and many hooks
 * retrying against one struggling endpoint must not retry in step.
 */
export interface RetryPolicy {
  /** First delay, doubled on every further attempt. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first. */
  readonly budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 200, maxDelayMs: 5_000, budgetMs: 30_000 };

/** The wait before attempt `attempt` (1 = the first retry), or undefined when the budget is spent. */
export const nextDelay = (
  policy: RetryPolicy,
  attempt: number,
  elapsedMs: number,
  random: () => number = Math.random,
): number | undefined => {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 20));
  const delay = Math.round(cap / 2 + (random() * cap) / 2);
  return elapsedMs + delay > policy.budgetMs ? undefined : delay;
};

/** Resolves after `ms`, or rejects with the signal's reason as soon as it fires. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
