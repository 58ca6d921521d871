import { describe, expect, it } from 'vitest';
import { nextDelay, sleep } from '../../../../src/core/archive/s3/retry-policy.js';

const policy = { baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 5000 };

describe('retry policy', () => {
  it('doubles the delay per attempt up to the cap, with half of it random', () => {
    expect(nextDelay(policy, 1, 0, () => 0)).toBe(50);
    expect(nextDelay(policy, 1, 0, () => 1)).toBe(100);
    expect(nextDelay(policy, 3, 0, () => 1)).toBe(400);
    expect(nextDelay(policy, 10, 0, () => 0)).toBe(500);
    expect(nextDelay(policy, 10, 0, () => 1)).toBe(1000);
  });

  it('stops when the next wait would end past the budget', () => {
    expect(nextDelay(policy, 5, 4500, () => 1)).toBeUndefined();
    expect(nextDelay(policy, 5, 3900, () => 1)).toBe(1000);
  });

  it('sleeps until aborted', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
