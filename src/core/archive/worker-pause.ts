/**
 * The pause between two passes of a spool worker's loop (the --async pusher, the --prefetch
 * prefetcher): `wait(ms)` ends after `ms`, when the signal aborts, or as soon as `wake()` is
 * called, which a finished job does, so that its result (a free job slot, a fetched segment
 * to publish) does not wait for the next poll.
 */
export interface WorkerPause {
  wait(ms: number): Promise<void>;
  wake(): void;
}

export const createWorkerPause = (signal?: AbortSignal): WorkerPause => {
  let wake: (() => void) | undefined;
  return {
    wait: (ms) => new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
      signal?.addEventListener('abort', done, { once: true });
    }),
    wake: () => wake?.(),
  };
};
