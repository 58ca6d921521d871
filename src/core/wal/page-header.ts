import { ValidationError } from '../errors.js';
import { formatLsn } from './lsn.js';
import { parseSegmentFileName, segmentStartLsn } from './segment-name.js';
import { isValidSegmentSize } from './segment-size.js';

/**
 * XLOG_PAGE_MAGIC changes whenever the WAL format changes, at most once per major release,
 * so it names the major that wrote a segment. Values checked against segments written by
 * the servers of each major (test/unit/wal/page-header.test.ts keeps real first pages).
 */
export const walPageMagicByMajor = {
  14: 0xd10d,
  15: 0xd110,
  16: 0xd113,
  17: 0xd116,
  18: 0xd118,
} as const satisfies Readonly<Record<number, number>>;

export type SupportedMajor = keyof typeof walPageMagicByMajor;

export const majorOfWalPageMagic = (magic: number): SupportedMajor | undefined => {
  for (const [major, value] of Object.entries(walPageMagicByMajor)) {
    if (value === magic) return Number(major) as SupportedMajor;
  }
  return undefined;
};

/** xlp_info flag: this page carries the long header (first page of a segment). */
export const XLP_LONG_HEADER = 0x0002;
const XLP_ALL_FLAGS = 0x000f;
/** MAXALIGN(sizeof(XLogLongPageHeaderData)) on 64-bit platforms. */
export const LONG_PAGE_HEADER_SIZE = 40;

export interface WalLongPageHeader {
  readonly magic: number;
  readonly info: number;
  readonly timeline: number;
  readonly pageAddress: bigint;
  readonly remainingLength: number;
  /** pg_control's system identifier, as the decimal text IDENTIFY_SYSTEM prints. */
  readonly systemIdentifier: string;
  readonly segmentSize: number;
  readonly blockSize: number;
}

const headerError = (message: string): ValidationError =>
  new ValidationError('wal-header-mismatch', message, { exitStatus: 1 });

/**
 * Reads the long header at the start of a segment. Fields are in the writer's byte order;
 * every supported platform is little-endian, and a big-endian file fails the magic check.
 */
export function parseLongPageHeader(page: Buffer): WalLongPageHeader {
  if (page.length < LONG_PAGE_HEADER_SIZE) {
    throw headerError(`Cannot read WAL page header: only ${page.length} bytes, need ${LONG_PAGE_HEADER_SIZE}`);
  }
  const info = page.readUInt16LE(2);
  if ((info & XLP_LONG_HEADER) === 0 || (info & ~XLP_ALL_FLAGS) !== 0) {
    throw headerError(`Cannot read WAL page header: invalid info bits 0x${info.toString(16).padStart(4, '0')}`);
  }
  return {
    magic: page.readUInt16LE(0),
    info,
    timeline: page.readUInt32LE(4),
    pageAddress: page.readBigUInt64LE(8),
    remainingLength: page.readUInt32LE(16),
    systemIdentifier: page.readBigUInt64LE(24).toString(),
    segmentSize: page.readUInt32LE(32),
    blockSize: page.readUInt32LE(36),
  };
}

/**
 * Whether a segment's first page carries a timeline older than its name's: the segment a
 * promotion started mid-way, whose check needs the name's timeline history (see
 * validateSegmentHeader). False for a page that cannot be read: the check reports that.
 */
export const headerPredatesNameTimeline = (page: Buffer, name: string): boolean => {
  try {
    return parseLongPageHeader(page).timeline < Number.parseInt(name.slice(0, 8), 16);
  } catch {
    return false;
  }
};

export interface SegmentCheck {
  /** The segment's file name (24 hex, or with .partial); its timeline and number must match. */
  readonly name: string;
  /** Expected system identifier, when known (from the archive or the server). */
  readonly systemIdentifier?: string;
  /** Expected segment size, when known; otherwise the header's own value is trusted if valid. */
  readonly segmentSize?: number;
  /**
   * The timelines the name's timeline descends from (its history file's entries), when the
   * history is at hand. Without it any older timeline is taken as a possible ancestor.
   */
  readonly ancestorTimelines?: readonly number[];
}

export interface SegmentIdentity {
  readonly header: WalLongPageHeader;
  readonly major: SupportedMajor;
}

/**
 * Checks that the first page of a segment belongs under `name`: a supported major's magic,
 * a valid segment and block size, the start address the name implies, the expected system,
 * and a timeline that is the name's or one of its ancestors. A promotion in the middle of a
 * segment starts the new timeline's segment as a copy of the old one up to the switch
 * point, so its first pages carry the OLD timeline; the server writes and reads it so.
 * Throws ValidationError (code 'wal-header-mismatch' or 'wal-foreign-system').
 */
export function validateSegmentHeader(page: Buffer, check: SegmentCheck): SegmentIdentity {
  let header: WalLongPageHeader;
  try {
    header = parseLongPageHeader(page);
  } catch (error) {
    // Every refusal names the file: a server log shows which one to look at.
    const reason = (error as Error).message.replace(/^Cannot read WAL page header: /, 'WAL page header: ');
    throw headerError(`Cannot accept "${check.name}": ${reason}`);
  }
  const major = majorOfWalPageMagic(header.magic);
  const name = check.name;
  if (major === undefined) {
    throw headerError(
      `Cannot accept "${name}": WAL page magic 0x${header.magic.toString(16).toUpperCase()} is not from PostgreSQL 14-18`,
    );
  }
  if (!isValidSegmentSize(header.segmentSize)) {
    throw headerError(`Cannot accept "${name}": invalid segment size ${header.segmentSize} in page header`);
  }
  if (check.segmentSize !== undefined && header.segmentSize !== check.segmentSize) {
    throw headerError(
      `Cannot accept "${name}": segment size ${header.segmentSize} in page header, expected ${check.segmentSize}`,
    );
  }
  const bs = header.blockSize;
  if (bs < 1024 || bs > 65536 || (bs & (bs - 1)) !== 0) {
    throw headerError(`Cannot accept "${name}": invalid WAL block size ${bs} in page header`);
  }
  const { timeline, segno } = parseSegmentFileName(name.slice(0, 24), header.segmentSize);
  if (header.timeline > timeline) {
    throw headerError(`Cannot accept "${name}": page header has timeline ${header.timeline}, newer than the name's ${timeline}`);
  }
  const ancestors = check.ancestorTimelines;
  if (header.timeline < timeline && ancestors !== undefined && !ancestors.includes(header.timeline)) {
    throw headerError(
      `Cannot accept "${name}": page header has timeline ${header.timeline}, which is not in the history of timeline ${timeline}`,
    );
  }
  const start = segmentStartLsn(segno, header.segmentSize);
  if (header.pageAddress !== start) {
    throw headerError(
      `Cannot accept "${name}": page header address ${formatLsn(header.pageAddress)}, the name says ${formatLsn(start)}`,
    );
  }
  if (check.systemIdentifier !== undefined && header.systemIdentifier !== check.systemIdentifier) {
    throw new ValidationError(
      'wal-foreign-system',
      `Cannot accept "${name}": it belongs to database system ${header.systemIdentifier}, not ${check.systemIdentifier}`,
    );
  }
  return { header, major };
}
