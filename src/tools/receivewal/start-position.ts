import { WarmstandbyError } from '../../core/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { readReplicationSlot, type SystemIdentity } from '../../core/pg/replication/commands.js';
import { readArchiveIdentity } from '../../core/wal/archive-identity.js';
import { formatLsn } from '../../core/wal/lsn.js';
import { segmentStartOf } from '../../core/wal/segment-name.js';
import { findStreamingStart } from '../../core/wal/streaming-start.js';
import type { Reporter } from './status-line.js';

export interface StartDecision {
  readonly lsn: bigint;
  readonly timeline: number;
}

/** A condition retrying cannot fix: receivewal exits 1 even without -n. */
export class FatalStreamError extends WarmstandbyError {}

/**
 * pg_receivewal's FindStreamingStart and the fallbacks after it, saying in -v mode what
 * was decided and why. Before trusting the directory, the newest segment's page header must
 * name the server's database system and segment size: WAL of two clusters never mixes.
 */
export async function decideStart(
  connection: PgConnection,
  identity: SystemIdentity,
  options: { readonly dir: string; readonly segSize: number; readonly slot: string | undefined },
  reporter: Reporter,
): Promise<StartDecision> {
  const { dir, segSize, slot } = options;
  const scan = await findStreamingStart(dir, segSize);
  for (const skipped of scan.skipped) reporter.warn(skipped.warning);
  const archive = await readArchiveIdentity(dir, scan.segments, segSize).catch((error: unknown) => {
    throw new FatalStreamError('foreign-wal', `Cannot stream into "${dir}": ${(error as Error).message}`, {
      hint: 'The directory holds a file named like WAL that is not WAL of this server. Move it away.',
    });
  });
  if (archive !== undefined && archive.header.systemIdentifier !== identity.systemId) {
    throw new FatalStreamError(
      'foreign-system',
      `Cannot stream into "${dir}": its WAL belongs to database system ${archive.header.systemIdentifier}, ` +
        `the server is database system ${identity.systemId}`,
      { hint: `"${archive.name}" comes from another cluster. Use an empty directory for this server.` },
    );
  }
  if (scan.start !== undefined) {
    const basis = scan.start.basis;
    reporter.verbose(
      basis.partial
        ? `resuming segment "${basis.name}": it is the newest file in the directory and incomplete`
        : `continuing after "${basis.name}": it is the newest complete segment in the directory`,
    );
    return { lsn: scan.start.lsn, timeline: scan.start.timeline };
  }
  if (slot !== undefined && connection.serverVersionNum >= 150_000) {
    const position = await readReplicationSlot(connection, slot);
    if (position.slotType === null) {
      throw new FatalStreamError('slot-missing', `replication slot "${slot}" does not exist`, {
        hint: 'Create it with --create-slot, or name an existing one with -S.',
      });
    }
    if (position.slotType !== 'physical') {
      throw new FatalStreamError('slot-not-physical', `expected a physical replication slot, got type "${position.slotType}" instead`);
    }
    if (position.restartLsn !== null && position.restartTli !== null) {
      reporter.verbose(
        `no WAL in the directory: starting where slot "${slot}" keeps WAL from (${formatLsn(position.restartLsn)})`,
      );
      return { lsn: segmentStartOf(position.restartLsn, segSize), timeline: position.restartTli };
    }
    reporter.verbose(`slot "${slot}" has not reserved WAL yet`);
  }
  reporter.verbose(`no WAL in the directory: starting at the server's current position ${formatLsn(identity.xlogpos)}`);
  return { lsn: segmentStartOf(identity.xlogpos, segSize), timeline: identity.timeline };
}
