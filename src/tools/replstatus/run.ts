import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import { programNameOf, type ToolIO } from '../../core/cli/io.js';
import { openConnection } from '../../core/cli/open-connection.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { parseConnString } from '../../core/pg/conninfo/parse.js';
import { inspectArchiveListing } from './archive-contents.js';
import { assess, worstOf } from './assess.js';
import {
  type NodeSample,
  archivingReports,
  nodeReports,
  slotReports,
  standbyReports,
  synchronousReport,
} from './build-report.js';
import { readNodeFacts } from './node-facts.js';
import { type ArchiveReport, REPORT_SCHEMA, type Report } from './report-model.js';
import type { Thresholds } from './thresholds.js';

export interface ReplstatusOptions {
  /** One entry per node: each -d, or the one node that -h -p -U name. */
  readonly nodes: readonly ConnectionFlags[];
  readonly archive?: string;
  readonly s3ConfigFile?: string;
  readonly thresholds: Thresholds;
}

export interface ReplstatusDeps {
  readonly io: ToolIO;
  /** The previous report (--watch): a standby whose position stood still is stalled. */
  readonly previous?: Report;
  /** Warnings from connecting (a world-readable .pgpass); the CLI prints them. */
  readonly onWarning: (message: string) => void;
  /** A password typed once serves every node and every refresh. */
  readonly typed: { password?: string };
}

const DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;

const sampleNode = async (flags: ConnectionFlags, deps: ReplstatusDeps): Promise<NodeSample> => {
  let connection: PgConnection | undefined;
  const { io } = deps;
  try {
    ({ connection } = await openConnection({
      flags,
      env: io.env,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      applicationName: programNameOf(io, 'replstatus'),
      onWarning: deps.onWarning,
      typed: deps.typed,
    }));
    const { host, port } = connection.target;
    return { id: `${host}:${port}`, port, facts: await readNodeFacts(connection), error: null };
  } catch (error) {
    if (io.signal?.aborted === true) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { ...nodeAddress(flags, io.env), facts: null, error: message };
  } finally {
    // Read-only queries hold nothing on the server: no need to wait for the backend to go.
    await connection?.close({ waitForServer: false });
  }
};

/**
 * Where an unreachable node was looked for: -h/-p, else its connection string (libpq's parser),
 * else PGHOST/PGPORT, else libpq's defaults.
 */
const nodeAddress = (flags: ConnectionFlags, env: NodeJS.ProcessEnv): { id: string; port: number } => {
  let given: Record<string, string> = {};
  try {
    given = flags.dbname === undefined ? {} : parseConnString(flags.dbname);
  } catch {
    // An unparsable string was already reported by the failed connection attempt.
  }
  const host = flags.host ?? given['host'] ?? env['PGHOST'] ?? 'localhost';
  const port = flags.port ?? given['port'] ?? env['PGPORT'] ?? '5432';
  return { id: `${host}:${port}`, port: Number(port) };
};

const readArchive = async (location: string, options: ReplstatusOptions, segSize: number, io: ToolIO): Promise<ArchiveReport> => {
  let close = (): void => undefined;
  try {
    // Loaded only when asked for (--archive): the archive stores and the S3 client are a sixth
    // of the bundle, which every status would otherwise load.
    const { openArchive } = await import('../../core/archive/open-archive.js');
    const opened = await openArchive(location, {
      cwd: io.cwd,
      env: io.env,
      s3ConfigFile: options.s3ConfigFile,
      signal: io.signal,
    });
    close = opened.close;
    return inspectArchiveListing(location, (await opened.store.list()).names, segSize);
  } catch (error) {
    if (io.signal?.aborted === true) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { location, newestSegment: null, newestBackup: null, missingSegments: null, firstMissing: [], segmentCount: 0, error: message };
  } finally {
    close();
  }
};

/** One look at every node (in parallel) and the archive, judged against the thresholds. */
export const runReplstatus = async (options: ReplstatusOptions, deps: ReplstatusDeps): Promise<Report> => {
  const time = new Date().toISOString();
  const samples = await Promise.all(options.nodes.map((flags) => sampleNode(flags, deps)));
  const segSize = samples.find((s) => s.facts !== null)?.facts?.walSegmentSize ?? DEFAULT_SEGMENT_SIZE;
  const nodes = nodeReports(samples);
  const parts = {
    nodes,
    standbys: standbyReports(samples, {
      seconds: options.thresholds.stallSeconds,
      previous: deps.previous?.standbys,
      previousNodes: deps.previous?.nodes,
    }),
    synchronous: synchronousReport(samples),
    slots: slotReports(samples),
    archiving: archivingReports(samples),
    archive: options.archive === undefined ? null : await readArchive(options.archive, options, segSize, deps.io),
  };
  const findings = assess(parts, options.thresholds);
  const reachable = samples.some((s) => s.facts !== null);
  return { schema: REPORT_SCHEMA, time, status: worstOf(findings, reachable), ...parts, findings };
};
