import { describe, it } from 'vitest';
import { dockerUnavailableReason } from './prerequisites.js';

const ci = (): boolean => process.env['CI'] === 'true' || process.env['CI'] === '1';

/**
 * A describe block that needs a real dockerd. Without its prerequisites it is registered as
 * skipped with the reason in its title (never counted as passed); under CI=true it fails.
 */
export const describeWithDocker = (title: string, body: () => void): void => {
  const reason = dockerUnavailableReason();
  if (reason === undefined) {
    describe(title, body);
  } else if (ci()) {
    describe(title, () => {
      it('has its prerequisites', () => {
        throw new Error(`Cannot run "${title}" under CI: ${reason}`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${reason})`, body);
  }
};
