import type { CompressionMethod } from '../compression/compression-method.js';
import type { SegmentFile, SegmentFileOptions } from './segment-file.js';

/** How a SegmentWriter (segment-writer.ts) writes, and what it reports. */
export interface SegmentWriterOptions {
  readonly dir: string;
  readonly segSize: number;
  readonly sync: boolean;
  readonly mode: number;
  readonly compression: { readonly method: CompressionMethod; readonly level: number };
  readonly maxPendingBytes?: number;
  readonly writeBatchBytes?: number;
  /** Plain files: fsync in the background once this much is unsynced (0: only at the end). */
  readonly backgroundSyncBytes?: number;
  /** Replaces the file layer (fault-injection tests). */
  readonly openSegment?: (options: SegmentFileOptions) => Promise<SegmentFile>;
}

export interface SegmentCompleted {
  readonly name: string;
  readonly timeline: number;
  readonly endLsn: bigint;
}

export interface PartialKept {
  readonly partialName: string;
  readonly timeline: number;
  readonly endLsn: bigint;
}
