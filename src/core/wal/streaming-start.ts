import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withFsErrorSync } from '../fs/fs-error.js';
import { decompressedSizeOfFile } from '../compression/codec.js';
import { notRegularFile } from './segment-file.js';
import { parseSegmentFileName, segmentStartLsn } from './segment-name.js';
import type { CompressionMethod } from './wal-file-kind.js';

/**
 * Where a WAL receiver resumes, decided from the files already in its directory the way
 * pg_receivewal decides it (REFERENCE.md §1 "How pg_receivewal chooses its start"):
 * the highest segment number wins, then the higher timeline, then a complete file over a
 * partial one; resume at the next segment after a complete file, or at the start of the
 * partial one. Completed files that are not exactly one segment long are skipped.
 */
export interface ArchivedSegment {
  readonly name: string;
  readonly timeline: number;
  readonly segno: bigint;
  readonly partial: boolean;
  readonly compression: CompressionMethod;
}

export interface SkippedFile {
  readonly name: string;
  /** pg_receivewal's warning text, so log watchers see the same line. */
  readonly warning: string;
}

export interface StreamingStart {
  /** Where to start streaming: always a segment start. */
  readonly lsn: bigint;
  readonly timeline: number;
  /** The file the decision was taken from. */
  readonly basis: ArchivedSegment;
}

export interface StreamingStartScan {
  /** Undefined when the directory holds no usable WAL file. */
  readonly start: StreamingStart | undefined;
  /** Every WAL file that counted, highest first (the archive's identity is read from them). */
  readonly segments: readonly ArchivedSegment[];
  readonly skipped: readonly SkippedFile[];
}

// Exactly the names pg_receivewal recognises, plus .zst (which only we write).
const receiverNamePattern = /^([0-9A-F]{24})(\.gz|\.lz4|\.zst)?(\.partial)?$/;
const methodOfSuffix: Readonly<Record<string, CompressionMethod>> = { '.gz': 'gzip', '.lz4': 'lz4', '.zst': 'zstd' };

/** Parses a receiver file name; undefined for anything pg_receivewal would ignore. */
export const parseReceiverFileName = (name: string, segSize: number): ArchivedSegment | undefined => {
  const match = receiverNamePattern.exec(name);
  if (match === null) return undefined;
  const [, segmentName = '', suffix, partial] = match;
  let parsed: { timeline: number; segno: bigint };
  try {
    parsed = parseSegmentFileName(segmentName, segSize);
  } catch {
    return undefined;
  }
  return {
    name,
    timeline: parsed.timeline,
    segno: parsed.segno,
    partial: partial !== undefined,
    compression: suffix === undefined ? 'none' : (methodOfSuffix[suffix] ?? 'none'),
  };
};

/** Orders candidates the way the start decision ranks them: best first. */
export const compareArchivedSegments = (a: ArchivedSegment, b: ArchivedSegment): number => {
  if (a.segno !== b.segno) return a.segno > b.segno ? -1 : 1;
  if (a.timeline !== b.timeline) return b.timeline - a.timeline;
  if (a.partial !== b.partial) return a.partial ? 1 : -1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
};

/**
 * Scans `dir` and decides where streaming resumes. Throws FileSystemError if it cannot read it.
 * The listing and the plain files' sizes are read synchronously, as pg_receivewal does: calls
 * of microseconds each, where each trip through libuv's thread pool cost the start of
 * streaming ~1-2 ms (docs/dev/performance.md). Only a compressed file's size needs a read.
 */
export async function findStreamingStart(dir: string, segSize: number): Promise<StreamingStartScan> {
  const entries = withFsErrorSync('open directory', dir, () => readdirSync(dir, { withFileTypes: true }));
  const segments: ArchivedSegment[] = [];
  const skipped: SkippedFile[] = [];
  for (const entry of entries) {
    const name = entry.name;
    const candidate = parseReceiverFileName(name, segSize);
    if (candidate === undefined) continue;
    // A link or directory named like WAL: streaming would resume in (or write through) it.
    if (!entry.isFile()) throw notRegularFile(name);
    if (!candidate.partial) {
      const warning = await completeSizeProblem(join(dir, name), candidate, segSize);
      if (warning !== undefined) {
        skipped.push({ name, warning });
        continue;
      }
    }
    segments.push(candidate);
  }
  segments.sort(compareArchivedSegments);
  const best = segments[0];
  if (best === undefined) return { start: undefined, segments, skipped };
  const startSegno = best.partial ? best.segno : best.segno + 1n;
  return {
    start: { lsn: segmentStartLsn(startSegno, segSize), timeline: best.timeline, basis: best },
    segments,
    skipped,
  };
}

/** Undefined when a completed file holds exactly one segment, else pg_receivewal's warning. */
const completeSizeProblem = async (
  path: string,
  candidate: ArchivedSegment,
  segSize: number,
): Promise<string | undefined> => {
  if (candidate.compression === 'none') {
    const { size } = withFsErrorSync('stat file', path, () => statSync(path));
    return size === segSize ? undefined : `segment file "${candidate.name}" has incorrect size ${size}, skipping`;
  }
  // Undecodable (truncated by a crash, or not ours): not a complete segment either.
  const size = await decompressedSizeOfFile(path, candidate.compression).catch(() => -1);
  return size === segSize
    ? undefined
    : `compressed segment file "${candidate.name}" has incorrect uncompressed size ${size}, skipping`;
};
