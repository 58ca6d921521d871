/** Messages of the physical replication sub-protocol carried inside CopyBoth CopyData. */

/** The first byte of each, as sent (codec.ts reads and writes these). */
export const ReplicationMessageType = {
  xlogData: 'w',
  keepalive: 'k',
  standbyStatus: 'r',
} as const;

/** 'w': a run of WAL starting at `dataStart`. `data` is owned by the receiver. */
export interface XLogData {
  readonly kind: 'xlogdata';
  readonly dataStart: bigint;
  readonly walEnd: bigint;
  /** Microseconds since 2000-01-01 00:00:00 UTC. */
  readonly sendTime: bigint;
  readonly data: Buffer;
}

/** 'k': the server's WAL end, and whether it wants a status update right away. */
export interface Keepalive {
  readonly kind: 'keepalive';
  readonly walEnd: bigint;
  readonly sendTime: bigint;
  readonly replyRequested: boolean;
}

export type ReplicationMessage = XLogData | Keepalive;

/** 'r': what we tell the server we have written, flushed and applied. */
export interface StandbyStatus {
  readonly write: bigint;
  readonly flush: bigint;
  readonly apply: bigint;
  readonly replyRequested?: boolean;
}
