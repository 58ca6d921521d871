import type { CompressionMethod } from '../compression/compression-method.js';

export {
  compressionOfSuffix,
  suffixOfCompression,
  type CompressionMethod,
} from '../compression/compression-method.js';

/**
 * The kinds of file that live in pg_wal and in WAL archives, told apart by name alone:
 *   segment  00000001000000A3000000FF            (optionally .gz .lz4 .zst)
 *   partial  00000001000000A3000000FF.partial    (compressed: X.gz.partial as pg_receivewal
 *                                                 writes it, or X.partial.gz)
 *   backup   00000001000000A3000000FF.00000028.backup   (backup history file)
 *   history  00000002.history                   (timeline history file)
 */
export const WalFileKinds = {
  segment: 'segment',
  partial: 'partial',
  backup: 'backup',
  history: 'history',
} as const;
export type WalFileKind = (typeof WalFileKinds)[keyof typeof WalFileKinds];

export interface WalFileName {
  /** The name as given. */
  readonly name: string;
  readonly kind: WalFileKind;
  /** The 24-hex segment name (segment, partial, backup) or `%08X.history`'s 8 hex. */
  readonly segmentName: string;
  readonly timeline: number;
  /** The name without any compression suffix ("X", "X.partial", "X.000028.backup"). */
  readonly plainName: string;
  readonly compression: CompressionMethod;
  /** Backup history files: the byte offset of the backup start inside its segment. */
  readonly backupOffset?: number;
}

const suffixMethod: Readonly<Record<string, CompressionMethod>> = {
  gz: 'gzip',
  lz4: 'lz4',
  zst: 'zstd',
};

const segmentPattern = /^([0-9A-F]{24})(?:\.(gz|lz4|zst))?$/;
const partialPattern = /^([0-9A-F]{24})(?:\.(gz|lz4|zst))?\.partial(?:\.(gz|lz4|zst))?$/;
const backupPattern = /^([0-9A-F]{24})\.([0-9A-F]{8})\.backup$/;
const historyPattern = /^([0-9A-F]{8})\.history$/;

const timelineOf = (hex: string): number => Number.parseInt(hex.slice(0, 8), 16);

/** Classifies a WAL-related file name; undefined for anything else (never throws). */
export function classifyWalFileName(name: string): WalFileName | undefined {
  let match = segmentPattern.exec(name);
  if (match !== null) {
    const [, segmentName = '', suffix] = match;
    return {
      name,
      kind: 'segment',
      segmentName,
      timeline: timelineOf(segmentName),
      plainName: segmentName,
      compression: suffix === undefined ? 'none' : (suffixMethod[suffix] ?? 'none'),
    };
  }
  match = partialPattern.exec(name);
  if (match !== null) {
    const [, segmentName = '', inner, outer] = match;
    if (inner !== undefined && outer !== undefined) return undefined;
    const suffix = inner ?? outer;
    return {
      name,
      kind: 'partial',
      segmentName,
      timeline: timelineOf(segmentName),
      plainName: `${segmentName}.partial`,
      compression: suffix === undefined ? 'none' : (suffixMethod[suffix] ?? 'none'),
    };
  }
  match = backupPattern.exec(name);
  if (match !== null) {
    const [, segmentName = '', offset = '0'] = match;
    return {
      name,
      kind: 'backup',
      segmentName,
      timeline: timelineOf(segmentName),
      plainName: name,
      compression: 'none',
      backupOffset: Number.parseInt(offset, 16),
    };
  }
  match = historyPattern.exec(name);
  if (match !== null) {
    const [, tli = ''] = match;
    return { name, kind: 'history', segmentName: tli, timeline: timelineOf(tli), plainName: name, compression: 'none' };
  }
  return undefined;
}
