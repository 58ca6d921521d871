import type { ToolIO } from '../../core/cli/io.js';
import { UsageError, WarmstandbyError } from '../../core/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import type { TimelineSwitch } from '../../core/pg/server-files/timeline-switch.js';
import { checkJson, printCheckTable } from './check-report.js';
import { type LocalEndpoint, openServerConnection } from './connect-server.js';
import { promoteLocal } from './local-promote.js';
import { inspectLocalStandby } from './local-standby.js';
import type { PromoteOptions } from './options.js';
import { promoteRemote } from './remote-promote.js';
import { type CheckVerdict, type ReplayState, checkReplay } from './replay-check.js';
import { type PromoteReporter, createReporter, timelineJson } from './report.js';

export interface PromoteOutcome {
  readonly promoted: boolean;
  readonly timelineSwitch?: TimelineSwitch;
}

interface CheckOutcome {
  readonly state: ReplayState;
  readonly verdict: CheckVerdict;
}

/**
 * The promote job: optional --check, then the promotion (signal locally, or pg_promote() over
 * a connection), the wait, and the report. Errors are thrown as typed errors; run-tool.ts
 * prints them and exits 1.
 */
export async function runPromote(options: PromoteOptions, io: ToolIO): Promise<PromoteOutcome> {
  if (options.force && !options.check) throw new UsageError('option --force requires --check');
  const reporter = createReporter(io, options);
  return options.target.kind === 'local'
    ? runLocal(options, options.target.dataDir, io, reporter)
    : runRemote(options, io, reporter);
}

const runLocal = async (
  options: PromoteOptions,
  dataDir: string,
  io: ToolIO,
  reporter: PromoteReporter,
): Promise<PromoteOutcome> => {
  let standby = await inspectLocalStandby(dataDir);
  let check: CheckOutcome | undefined;
  if (options.check) {
    const endpoint: LocalEndpoint = {
      ...(standby.pidFile.socketDirectory === undefined ? {} : { socketDirectory: standby.pidFile.socketDirectory }),
      ...(standby.pidFile.port === undefined ? {} : { port: standby.pidFile.port }),
    };
    let connection: PgConnection;
    try {
      connection = await openServerConnection(options.connection, io, endpoint);
    } catch (error) {
      throw new WarmstandbyError('check-connect', `Cannot check replay before promoting: ${(error as Error).message}`, {
        cause: error,
        hint: '--check connects through the socket named in postmaster.pid; choose the role with -U (or -d).',
      });
    }
    try {
      check = await runCheck(connection, options, io, reporter);
    } finally {
      await connection.close();
    }
    if (options.dryRun) {
      reporter.dryRun();
      return { promoted: false };
    }
    // The check may have waited: look again before acting.
    standby = await inspectLocalStandby(dataDir);
  }
  try {
    const result = await promoteLocal({
      standby,
      wait: options.wait,
      timeoutSeconds: options.timeoutSeconds,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      onWaitStart: () => reporter.waitStart(),
      onWaitSecond: () => reporter.waitSecond(),
    });
    reporter.waitDone();
    return finish('local', options, reporter, result.promoted, result.timelineSwitch, check);
  } catch (error) {
    reporter.waitStopped();
    throw error;
  }
};

const runRemote = async (options: PromoteOptions, io: ToolIO, reporter: PromoteReporter): Promise<PromoteOutcome> => {
  const connection = await openServerConnection(options.connection, io);
  try {
    const check = options.check ? await runCheck(connection, options, io, reporter) : undefined;
    if (options.dryRun) {
      reporter.dryRun();
      return { promoted: false };
    }
    const user = connection.parameters.get('session_authorization') ?? options.connection.username ?? 'current user';
    let result;
    try {
      result = await promoteRemote({
        connection,
        user,
        wait: options.wait,
        timeoutSeconds: options.timeoutSeconds,
        onWaitStart: () => reporter.waitStart(),
      });
    } catch (error) {
      reporter.waitStopped();
      throw error;
    }
    reporter.waitDone();
    return finish('remote', options, reporter, result.promoted, result.timelineSwitch, check);
  } finally {
    await connection.close();
  }
};

/** Shows the check; throws when it refuses (after printing the --json document). */
const runCheck = async (
  connection: PgConnection,
  options: PromoteOptions,
  io: ToolIO,
  reporter: PromoteReporter,
): Promise<CheckOutcome> => {
  const { state, verdict } = await checkReplay(connection, {
    waitSeconds: options.timeoutSeconds,
    ...(io.signal === undefined ? {} : { signal: io.signal }),
  });
  const refused = !verdict.ok && !options.force;
  if (!options.json && !options.silent) printCheckTable(reporter.out, state, verdict, options.force);
  if (options.json && (refused || options.dryRun)) {
    reporter.out.json({
      mode: options.target.kind,
      promoted: false,
      waited: false,
      dryRun: options.dryRun,
      ...timelineJson(undefined),
      check: checkJson(state, verdict, options.force),
      refused: refused && !verdict.ok ? verdict.reason : null,
    });
  }
  if (!verdict.ok) {
    if (refused) throw new WarmstandbyError('replay-behind', `Cannot promote: ${verdict.reason}`, { hint: verdict.hint });
    reporter.out.warn(`promoting anyway (--force): ${verdict.reason}`);
  }
  return { state, verdict };
};

const finish = (
  mode: 'local' | 'remote',
  options: PromoteOptions,
  reporter: PromoteReporter,
  promoted: boolean,
  timelineSwitch: TimelineSwitch | undefined,
  check: CheckOutcome | undefined,
): PromoteOutcome => {
  if (promoted) reporter.promoted(timelineSwitch);
  else reporter.promoting();
  if (options.json) {
    reporter.out.json({
      mode,
      promoted,
      waited: options.wait,
      dryRun: false,
      ...timelineJson(timelineSwitch),
      check: check === undefined ? null : checkJson(check.state, check.verdict, options.force),
      refused: null,
    });
  }
  return { promoted, ...(timelineSwitch === undefined ? {} : { timelineSwitch }) };
};
