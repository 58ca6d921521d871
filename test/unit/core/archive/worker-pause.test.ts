import { describe, expect, it, vi } from 'vitest';
import { createWorkerPause } from '../../../../src/core/archive/worker-pause.js';

describe('createWorkerPause', () => {
  it('ends after the given time when nothing wakes it', async () => {
    vi.useFakeTimers();
    try {
      const pause = createWorkerPause();
      let ended = false;
      const waiting = pause.wait(100).then(() => { ended = true; });
      await vi.advanceTimersByTimeAsync(99);
      expect(ended).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await waiting;
      expect(ended).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends at once when a finished job wakes it, and a wake between pauses is not kept', async () => {
    vi.useFakeTimers();
    try {
      const pause = createWorkerPause();
      let ended = false;
      const waiting = pause.wait(60_000).then(() => { ended = true; });
      pause.wake();
      await waiting;
      expect(ended).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
      pause.wake(); // nobody waits: nothing to end
      let second = false;
      void pause.wait(50).then(() => { second = true; });
      await vi.advanceTimersByTimeAsync(49);
      expect(second).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(second).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends when the signal aborts, and leaves no listener behind', async () => {
    const controller = new AbortController();
    const pause = createWorkerPause(controller.signal);
    await pause.wait(1); // ended by its timer: its abort listener is removed
    const waiting = pause.wait(60_000);
    controller.abort();
    await waiting;
  });
});
