import { statSync } from 'node:fs';
import { join } from 'node:path';
import { withFsErrorSync } from '../../core/fs/fs-error.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { readReplicationSlot, type SystemIdentity } from '../../core/pg/replication/commands.js';
import { readArchiveIdentity } from '../../core/wal/archive-identity.js';
import { formatLsn } from '../../core/wal/lsn.js';
import { segmentStartOf } from '../../core/wal/segment-name.js';
import { findStreamingStart } from '../../core/wal/streaming-start.js';
import { FatalStreamError } from './errors.js';
import type { Reporter } from './report.js';

export interface StartDecision {
  readonly lsn: bigint;
  readonly timeline: number;
}

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
      hint: 'Streaming would resume from that file. Move it away if it does not belong there.',
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
    if (basis.partial && basis.compression === 'none') checkPartialSize(dir, basis.name, segSize);
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

/** pg_receivewal refuses to reuse a plain .partial that is neither empty nor one segment. */
const checkPartialSize = (dir: string, name: string, segSize: number): void => {
  const { size } = withFsErrorSync('stat file', join(dir, name), () => statSync(join(dir, name)));
  if (size !== 0 && size !== segSize) {
    throw new FatalStreamError(
      'wal-partial-size',
      `write-ahead log file "${name}" has ${size} ${size === 1 ? 'byte' : 'bytes'}, should be 0 or ${segSize}`,
      { hint: 'Streaming would resume in that file; it was not left by a WAL receiver. Move it away.' },
    );
  }
};
