import type { ToolIO } from '../../core/cli/io.js';
import { UsageError } from '../../core/errors.js';
import { promoteLocal } from './local-promote.js';
import { inspectLocalStandby } from './local-standby.js';
import type { PromoteOptions } from './options.js';
import { createReporter, timelineJson } from './report.js';

export interface PromoteOutcome {
  readonly promoted: boolean;
}

/**
 * The promote job: checks, signals (or asks over SQL), waits, reports. Errors are thrown as
 * typed errors; run-tool.ts prints them and maps them to exit status 1.
 */
export async function runPromote(options: PromoteOptions, io: ToolIO): Promise<PromoteOutcome> {
  if (options.force && !options.check) throw new UsageError('option --force requires --check');
  const reporter = createReporter(io, options);
  if (options.target.kind !== 'local') {
    throw new UsageError('promoting over a connection is not available in this build');
  }
  const standby = await inspectLocalStandby(options.target.dataDir);
  let result;
  try {
    result = await promoteLocal({
      standby,
      wait: options.wait,
      timeoutSeconds: options.timeoutSeconds,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      onWaitStart: () => reporter.waitStart(),
      onWaitSecond: () => reporter.waitSecond(),
    });
  } catch (error) {
    reporter.waitStopped();
    throw error;
  }
  if (result.promoted) {
    reporter.waitDone();
    reporter.promoted(result.timelineSwitch);
  } else {
    reporter.promoting();
  }
  if (options.json) {
    reporter.out.json({
      mode: 'local',
      promoted: result.promoted,
      waited: options.wait,
      dryRun: false,
      ...timelineJson(result.timelineSwitch),
      check: null,
      refused: null,
    });
  }
  return { promoted: result.promoted };
}
