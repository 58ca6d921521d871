/**
 * Where the fields of ControlFileData sit in global/pg_control, per pg_control_version, for
 * the 64-bit little-endian builds PostgreSQL ships on Linux (MAXALIGN 8).
 *
 * The leading fields are laid out identically from 13 through 18; what moves is the CRC at
 * the end: 18 (1800) inserted a bool (default_char_signedness) before the 32-byte
 * authentication nonce, which pushes the CRC from offset 288 to 292. 17 (1700) added
 * wal_level to the embedded checkpoint copy, but inside existing padding.
 * Checked against pg_control files written by initdb of each major (see the unit tests).
 */
export interface ControlFileLayout {
  readonly pgControlVersion: number;
  readonly majors: readonly number[];
  /** sizeof(ControlFileData): the bytes a PostgreSQL front end reads. */
  readonly size: number;
  /** offsetof(ControlFileData, crc): the CRC-32C covers every byte before it. */
  readonly crcOffset: number;
}

export const controlFileLayouts: readonly ControlFileLayout[] = [
  { pgControlVersion: 1300, majors: [13, 14, 15, 16], size: 296, crcOffset: 288 },
  { pgControlVersion: 1700, majors: [17], size: 296, crcOffset: 288 },
  { pgControlVersion: 1800, majors: [18], size: 296, crcOffset: 292 },
];

export const layoutForVersion = (pgControlVersion: number): ControlFileLayout | undefined =>
  controlFileLayouts.find((layout) => layout.pgControlVersion === pgControlVersion);

/** Offsets of the fields read here; the same for every layout above. */
export const controlFileOffsets = {
  systemIdentifier: 0, // uint64
  pgControlVersion: 8, // uint32
  catalogVersion: 12, // uint32
  state: 16, // DBState (int32)
  time: 24, // pg_time_t: seconds since the Unix epoch
  checkpointLsn: 32, // XLogRecPtr of the latest checkpoint record
  checkpointRedoLsn: 40, // checkPointCopy.redo
  checkpointTimeline: 48, // checkPointCopy.ThisTimeLineID
  checkpointPrevTimeline: 52, // checkPointCopy.PrevTimeLineID
  checkpointTime: 104, // checkPointCopy.time
  minRecoveryPoint: 136,
  minRecoveryPointTimeline: 144,
  maxAlign: 204, // uint32, 8 on the builds above
  floatFormat: 208, // double 1234567.0: proves the layout and byte order
  blockSize: 216,
  walBlockSize: 224,
  walSegmentSize: 228,
  dataChecksumVersion: 252,
} as const;

export const FLOAT_FORMAT_VALUE = 1234567.0;
