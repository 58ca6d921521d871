import { accessSync, constants, opendirSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { programNameOf, type ToolIO } from '../../core/cli/io.js';
import { WarmstandbyError } from '../../core/errors.js';
import { errnoOf } from '../../core/fs/fs-error.js';
import { ConnectionError, PgServerError } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { identifySystem, type SystemIdentity } from '../../core/pg/replication/commands.js';
import {
  MAX_SERVER_MAJOR, MIN_SERVER_MAJOR, readDataDirectoryModes, readSegmentSize, serverVersionOutOfRange, serverVersionText,
} from '../../core/pg/replication/server-facts.js';
import { openArchive } from '../../core/archive/open-archive.js';
import { ArchiveShipper } from './archive-shipper.js';
import { ServerConnector } from './connect-server.js';
import type { ReceivewalOptions } from './options.js';
import { FatalStreamError, StreamInterrupted } from './errors.js';
import { streamSession, type ServerFacts, type StreamContext } from './session.js';
import { runSlotAction } from './slot-actions.js';
import { createReporter, type Reporter } from './report.js';

export const TOOL = 'receivewal';

export interface ReceivewalHooks {
  /** Pause between reconnection attempts (pg_receivewal: 5 s). */
  readonly reconnectDelayMs?: number;
}

const RECONNECT_SECONDS = 5;

/**
 * The receivewal job: pg_receivewal's main(). Returns the exit status: 0 after --endpos, a
 * signal (io.signal) or a slot action; errors are thrown (exit 1) unless streaming can be
 * retried, which it is every 5 seconds unless -n.
 */
export async function runReceivewal(options: ReceivewalOptions, io: ToolIO, hooks: ReceivewalHooks = {}): Promise<number> {
  const reporter = createReporter(io, { tool: TOOL, verbose: options.verbose, progress: options.progress });
  try {
    const directory = options.directory === undefined ? undefined : resolve(io.cwd, options.directory);
    if (options.action === 'stream' && options.directory !== undefined) checkDirectory(options.directory, io.cwd);
    // pg_receivewal's fallback_application_name is its argv[0]: synchronous_standby_names
    // that names pg_receivewal keeps working when this binary is installed under that name.
    const connector = new ServerConnector(programNameOf(io, TOOL), options.connection, io, (message) => reporter.warn(message));
    let connection: PgConnection | undefined = await connector.open();
    let shipping: Shipping | undefined;
    // A slot stays active until its walsender exits: wait for that, so that the next run (or a
    // --drop-slot) finds it free. Without a slot the backend holds nothing worth waiting for.
    const closing = { waitForServer: options.slot !== undefined };
    try {
      const identity = await identifySystem(connection);
      if (identity.dbname !== null) {
        throw new FatalStreamError(
          'database-specific',
          `replication connection using slot "${options.slot ?? '(null)'}" is unexpectedly database specific`,
        );
      }
      if (options.action !== 'stream') return await runSlotAction(connection, options, reporter);
      checkStreamingVersion(connection);
      const facts: ServerFacts = {
        segSize: await readSegmentSize(connection),
        fileMode: (await readDataDirectoryModes(connection)).fileMode,
        systemId: identity.systemId,
      };
      const streamOptions = { ...options, directory: directory as string };
      shipping = options.archive === undefined ? undefined : await startShipping(options.archive, streamOptions, io, reporter);
      const context: StreamContext = {
        options: streamOptions, facts, reporter, signal: io.signal, fileCompleted: () => shipping?.shipper.kick(),
      };
      // The first connection was identified above; a reconnection is identified again.
      let identified: SystemIdentity | undefined = identity;
      for (;;) {
        const outcome = await runOnce(connection, context, identified);
        identified = undefined;
        await connection?.close(closing).catch(() => undefined);
        connection = undefined;
        if (outcome === 'stopped') return await finishShipping(shipping, io.signal);
        if (!options.loop) throw new WarmstandbyError('disconnected', 'disconnected');
        reporter.info(`disconnected; waiting ${RECONNECT_SECONDS} seconds to try again`);
        const slept = await sleep(hooks.reconnectDelayMs ?? RECONNECT_SECONDS * 1000, 'slept', {
          ...(io.signal === undefined ? {} : { signal: io.signal }),
        }).catch(() => 'aborted');
        if (slept === 'aborted') {
          // The same word as a stop while streaming: scripts and logs see why it ended.
          reporter.verbose('received interrupt signal, exiting');
          return 0;
        }
        connection = await connector.open().catch((error: unknown) => {
          reporter.error((error as Error).message);
          return undefined;
        });
      }
    } finally {
      await connection?.close(closing).catch(() => undefined);
      shipping?.shipper.stop();
      shipping?.close();
    }
  } finally {
    reporter.finish();
  }
}

interface Shipping {
  readonly shipper: ArchiveShipper;
  readonly close: () => void;
}

/** --archive: the archive opened, and what the directory already holds shipped at once. */
const startShipping = async (
  archive: string,
  options: ReceivewalOptions & { readonly directory: string },
  io: ToolIO,
  reporter: Reporter,
): Promise<Shipping> => {
  const { store, close } = await openArchive(archive, {
    cwd: io.cwd,
    env: io.env,
    sync: options.sync,
    s3ConfigFile: options.s3ConfigFile,
    signal: io.signal,
  });
  const shipper = new ArchiveShipper({
    dir: options.directory,
    store,
    removeLocal: options.removeArchived,
    log: (message) => reporter.verbose(message),
    error: (message) => reporter.error(message),
  });
  shipper.kick();
  return { shipper, close };
};

/** A stop at --endpos waits for the archive; a signal does not (the next start ships the rest). */
const finishShipping = async (shipping: Shipping | undefined, signal: AbortSignal | undefined): Promise<number> => {
  if (shipping === undefined || signal?.aborted === true) return 0;
  const failure = await shipping.shipper.drain();
  if (failure !== undefined) throw new WarmstandbyError('archive-failed', `could not archive: ${failure}`);
  return 0;
};

/** One streaming attempt; errors worth a retry are logged and become 'disconnected'. */
const runOnce = async (
  connection: PgConnection | undefined,
  context: StreamContext,
  identified: SystemIdentity | undefined,
): Promise<'stopped' | 'disconnected'> => {
  if (connection === undefined) return context.signal?.aborted === true ? 'stopped' : 'disconnected';
  try {
    return await streamSession(connection, context, identified);
  } catch (error) {
    if (error instanceof StreamInterrupted) {
      context.reporter.error(error.message);
      return 'disconnected';
    }
    if (error instanceof ConnectionError || error instanceof PgServerError) {
      context.reporter.error(error.message);
      return 'disconnected';
    }
    throw error;
  }
};

/** Synchronous, as pg_receivewal's: two calls of microseconds before anything else runs. */
const checkDirectory = (given: string, cwd: string): void => {
  const path = resolve(cwd, given);
  try {
    opendirSync(path).closeSync();
  } catch (error) {
    throw new FatalStreamError('directory', `could not open directory "${given}": ${reason(error)}`);
  }
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new FatalStreamError('directory', `Cannot write into directory "${given}": ${reason(error)}`, {
      hint: 'receivewal creates its files there: it needs write permission on the directory.',
    });
  }
};

const reasons: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
};
const reason = (error: unknown): string => reasons[errnoOf(error) ?? ''] ?? (error as Error).message;

/** pg_receivewal's CheckServerVersionForStreaming, in its words. */
const checkStreamingVersion = (connection: PgConnection): void => {
  const out = serverVersionOutOfRange(connection);
  if (out === undefined) return;
  const bound = out === 'older' ? `older than ${MIN_SERVER_MAJOR}` : `newer than ${MAX_SERVER_MAJOR}`;
  throw new FatalStreamError(
    'server-version',
    `incompatible server version ${serverVersionText(connection)}; client does not support streaming from server versions ${bound}`,
  );
};
