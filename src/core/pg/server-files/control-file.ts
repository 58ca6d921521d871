import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32c } from '@node-rs/crc32';
import { fileSystemError } from '../../fs/fs-error.js';
import {
  FLOAT_FORMAT_VALUE,
  controlFileLayouts,
  controlFileOffsets as at,
  layoutForVersion,
  type ControlFileLayout,
} from './control-file-layout.js';
import { ServerFileError } from './server-file-error.js';

/** DBState in pg_control, the same numbers from 9.x through 18. */
export const DbState = {
  startingUp: 0,
  shutDown: 1,
  shutDownInRecovery: 2,
  shuttingDown: 3,
  inCrashRecovery: 4,
  inArchiveRecovery: 5,
  inProduction: 6,
} as const;
export type DbStateValue = (typeof DbState)[keyof typeof DbState];

/** pg_controldata's wording for each state. */
const stateNames: readonly string[] = [
  'starting up',
  'shut down',
  'shut down in recovery',
  'shutting down',
  'in crash recovery',
  'in archive recovery',
  'in production',
];

export const dbStateName = (state: number): string => stateNames[state] ?? `unrecognized status code ${state}`;

export interface ControlFileInfo {
  readonly systemIdentifier: bigint;
  readonly pgControlVersion: number;
  readonly catalogVersion: number;
  readonly state: number;
  readonly stateName: string;
  /** Last update of pg_control, Unix seconds. */
  readonly time: number;
  readonly checkpointLsn: bigint;
  readonly checkpointRedoLsn: bigint;
  /** The timeline of the latest checkpoint (or restartpoint, on a standby). */
  readonly timeline: number;
  readonly prevTimeline: number;
  readonly minRecoveryPoint: bigint;
  readonly minRecoveryPointTimeline: number;
  readonly blockSize: number;
  readonly walBlockSize: number;
  readonly walSegmentSize: number;
  readonly dataChecksumVersion: number;
  readonly layout: ControlFileLayout;
}

export const CONTROL_FILE_PATH = join('global', 'pg_control');

const storedCrc = (bytes: Buffer, layout: ControlFileLayout): number => bytes.readUInt32LE(layout.crcOffset);
const computedCrc = (bytes: Buffer, layout: ControlFileLayout): number =>
  crc32c(bytes.subarray(0, layout.crcOffset)) >>> 0;

export type ControlFileCheck =
  | { readonly ok: true; readonly layout: ControlFileLayout }
  | { readonly ok: false; readonly reason: 'short' | 'crc' | 'byte-order' | 'unsupported-version' | 'layout';
      readonly computed?: number; readonly pgControlVersion?: number; readonly expectedSize?: number };

/**
 * Checks the bytes the way a PostgreSQL front end does: the CRC-32C over everything before
 * the CRC field must match. An unknown pg_control_version is "unsupported" only when the CRC
 * of some known layout still matches; otherwise the version field itself is likely damaged.
 */
export const checkControlFile = (bytes: Buffer): ControlFileCheck => {
  const minimum = controlFileLayouts[0]?.size ?? 0;
  if (bytes.length < at.pgControlVersion + 4) return { ok: false, reason: 'short', expectedSize: minimum };
  const version = bytes.readUInt32LE(at.pgControlVersion);
  const layout = layoutForVersion(version);
  if (layout === undefined) {
    if (version % 65536 === 0 && version / 65536 !== 0) return { ok: false, reason: 'byte-order', pgControlVersion: version };
    const crcStillValid = controlFileLayouts.some(
      (known) => bytes.length >= known.size && computedCrc(bytes, known) === storedCrc(bytes, known),
    );
    return crcStillValid
      ? { ok: false, reason: 'unsupported-version', pgControlVersion: version }
      : { ok: false, reason: 'crc', pgControlVersion: version };
  }
  if (bytes.length < layout.size) return { ok: false, reason: 'short', expectedSize: layout.size };
  const computed = computedCrc(bytes, layout);
  if (computed !== storedCrc(bytes, layout)) return { ok: false, reason: 'crc', computed };
  if (bytes.readDoubleLE(at.floatFormat) !== FLOAT_FORMAT_VALUE || bytes.readUInt32LE(at.maxAlign) !== 8) {
    return { ok: false, reason: 'layout', pgControlVersion: version };
  }
  return { ok: true, layout };
};

/** Decodes bytes already accepted by checkControlFile. */
export const decodeControlFile = (bytes: Buffer, layout: ControlFileLayout): ControlFileInfo => {
  const state = bytes.readInt32LE(at.state);
  return {
    systemIdentifier: bytes.readBigUInt64LE(at.systemIdentifier),
    pgControlVersion: bytes.readUInt32LE(at.pgControlVersion),
    catalogVersion: bytes.readUInt32LE(at.catalogVersion),
    state,
    stateName: dbStateName(state),
    time: Number(bytes.readBigInt64LE(at.time)),
    checkpointLsn: bytes.readBigUInt64LE(at.checkpointLsn),
    checkpointRedoLsn: bytes.readBigUInt64LE(at.checkpointRedoLsn),
    timeline: bytes.readUInt32LE(at.checkpointTimeline),
    prevTimeline: bytes.readUInt32LE(at.checkpointPrevTimeline),
    minRecoveryPoint: bytes.readBigUInt64LE(at.minRecoveryPoint),
    minRecoveryPointTimeline: bytes.readUInt32LE(at.minRecoveryPointTimeline),
    blockSize: bytes.readUInt32LE(at.blockSize),
    walBlockSize: bytes.readUInt32LE(at.walBlockSize),
    walSegmentSize: bytes.readUInt32LE(at.walSegmentSize),
    dataChecksumVersion: bytes.readUInt32LE(at.dataChecksumVersion),
    layout,
  };
};

/** Parses pg_control bytes, throwing ServerFileError when they fail the checks. */
export const parseControlFile = (bytes: Buffer, path = CONTROL_FILE_PATH): ControlFileInfo => {
  const check = checkControlFile(bytes);
  if (check.ok) return decodeControlFile(bytes, check.layout);
  throw controlFileError(check, bytes.length, path);
};

const controlFileError = (check: Extract<ControlFileCheck, { ok: false }>, length: number, path: string): ServerFileError => {
  const known = controlFileLayouts.map((l) => l.pgControlVersion).join(', ');
  switch (check.reason) {
    case 'short':
      return new ServerFileError(
        'control-file-short',
        `could not read file "${path}": read ${length} of ${check.expectedSize ?? 0}`,
        path,
      );
    case 'byte-order':
      return new ServerFileError('control-file-byte-order', `Cannot read "${path}": byte ordering mismatch`, path);
    case 'unsupported-version':
      return new ServerFileError(
        'control-file-version',
        `Cannot read "${path}": pg_control version ${check.pgControlVersion} is not supported (known: ${known})`,
        path,
      );
    case 'layout':
      return new ServerFileError(
        'control-file-layout',
        `Cannot read "${path}": the file was written by a build with a different layout (not 64-bit little-endian)`,
        path,
      );
    case 'crc':
      return new ServerFileError('control-file-corrupt', 'control file appears to be corrupt', path, {
        hint: `The CRC-32C of "${path}" does not match its contents.`,
      });
  }
};

/** The server rewrites pg_control in place; a read can see half of an update. */
const CRC_RETRIES = 10;
const RETRY_DELAY_MS = 10;
const READ_SIZE = 512;

const readPrefix = async (path: string): Promise<Buffer> => {
  let handle;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.alloc(READ_SIZE);
    const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, 0);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw fileSystemError(error, 'read file', path);
  } finally {
    await handle?.close();
  }
};

/**
 * Reads `<dataDir>/global/pg_control`. Like PostgreSQL's front ends, a CRC mismatch is
 * retried (up to 10 times, 10 ms apart) until the same wrong CRC is seen twice in a row, so
 * a concurrent write by the server is not mistaken for corruption.
 */
export const readControlFile = async (dataDir: string): Promise<ControlFileInfo> => {
  const path = join(dataDir, CONTROL_FILE_PATH);
  let lastBadCrc: number | undefined;
  for (let attempt = 0; ; attempt += 1) {
    const bytes = await readPrefix(path);
    const check = checkControlFile(bytes);
    if (check.ok) return decodeControlFile(bytes, check.layout);
    const retryable = check.reason === 'crc' && check.computed !== undefined;
    if (!retryable || attempt >= CRC_RETRIES || (attempt > 0 && check.computed === lastBadCrc)) {
      throw controlFileError(check, bytes.length, path);
    }
    lastBadCrc = check.computed;
    await sleep(RETRY_DELAY_MS);
  }
};
