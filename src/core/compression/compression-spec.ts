import { UsageError } from '../errors.js';
import { type CompressionMethod, CompressionMethods } from './compression-method.js';

/**
 * `-Z/--compress` of every tool, as PostgreSQL 15's tools read it: `METHOD[:DETAIL]` where
 * DETAIL is a level or `level=N,workers=N`; pg_basebackup adds a `client-`/`server-` prefix
 * (parseCompressOption), pg_receivewal and archivewal read a bare integer as gzip at that
 * level and 0 as none (parseCompressionSpec). Messages are PostgreSQL's.
 */
export interface CompressionSpec {
  readonly method: CompressionMethod;
  /** Always set: the method's default when none was given. */
  readonly level: number;
  /** Whether the level came from the user (false: the method's default). */
  readonly levelGiven: boolean;
  /** zstd's `workers=N`; sent to a server, ignored by our own (single-threaded) encoders. */
  readonly workers?: number;
}

export const NO_COMPRESSION: CompressionSpec = { method: 'none', level: 0, levelGiven: false };

interface LevelRange {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

// PostgreSQL's ranges; each default lies outside [min, max] for gzip and lz4 on purpose
// (-1 is zlib's "default", 0 is lz4's fast mode) and is accepted as such. zstd's are those of
// the library PostgreSQL 15 links against (ZSTD_minCLevel..ZSTD_maxCLevel).
const levelRanges: Readonly<Record<CompressionMethod, LevelRange>> = {
  none: { min: 1, max: 1, default: 0 },
  gzip: { min: 1, max: 9, default: -1 },
  lz4: { min: 1, max: 12, default: 0 },
  zstd: { min: -131072, max: 22, default: 3 },
};

/** C's strtol consuming the whole string: optional white space (isspace), sign, digits. */
const wholeInteger = (text: string): number | undefined =>
  /^[\t\n\v\f\r ]*[+-]?[0-9]+$/.test(text) ? Number.parseInt(text, 10) : undefined;

const invalid = (reason: string): UsageError => new UsageError(`invalid compression specification: ${reason}`);

/** "gzip" → the method; anything else is refused with PostgreSQL's message. */
export const compressionMethodNamed = (name: string): CompressionMethod => {
  const method = Object.values(CompressionMethods).find((m) => m === name);
  if (method === undefined) throw new UsageError(`unrecognized compression algorithm: "${name}"`);
  return method;
};

/**
 * parse_compress_specification() + validate_compress_specification() of one method and its
 * DETAIL (undefined: none given). Throws UsageError("invalid compression specification: …").
 */
export function parseCompressionDetail(method: CompressionMethod, detail: string | undefined): CompressionSpec {
  const range = levelRanges[method];
  let level = range.default;
  let levelGiven = false;
  let workers: number | undefined;
  const bareLevel = detail === undefined ? undefined : wholeInteger(detail);
  if (bareLevel !== undefined) {
    level = bareLevel;
    levelGiven = true;
  } else if (detail !== undefined) {
    for (const item of detail.split(',')) {
      const eq = item.indexOf('=');
      const keyword = eq < 0 ? item : item.slice(0, eq);
      const value = eq < 0 ? undefined : item.slice(eq + 1);
      if (keyword === '') throw invalid('found empty string where a compression option was expected');
      if (keyword !== 'level' && keyword !== 'workers') throw invalid(`unrecognized compression option: "${keyword}"`);
      if (value === undefined) throw invalid(`compression option "${keyword}" requires a value`);
      const number = wholeInteger(value);
      if (number === undefined) throw invalid(`value for compression option "${keyword}" must be an integer`);
      if (keyword === 'level') {
        level = number;
        levelGiven = true;
      } else {
        workers = number;
      }
    }
  }
  if (method === 'none' && level !== 0) throw invalid('compression algorithm "none" does not accept a compression level');
  if ((level < range.min || level > range.max) && level !== range.default) {
    throw invalid(
      `compression algorithm "${method}" expects a compression level between ${range.min} and ${range.max} (default at ${range.default})`,
    );
  }
  if (workers !== undefined && method !== 'zstd') {
    throw invalid(`compression algorithm "${method}" does not accept a worker count`);
  }
  return { method, level, levelGiven, ...(workers === undefined ? {} : { workers }) };
}

/** `METHOD[:DETAIL]` split at the first colon. */
const splitMethod = (text: string): { readonly algorithm: string; readonly detail?: string } => {
  const colon = text.indexOf(':');
  return colon < 0 ? { algorithm: text } : { algorithm: text.slice(0, colon), detail: text.slice(colon + 1) };
};

/**
 * pg_receivewal's -Z (and archivewal's): `0` or nothing → none, other integers → gzip at
 * that level, else `METHOD[:DETAIL]`.
 */
export function parseCompressionSpec(text: string): CompressionSpec {
  const bare = text === '' ? 0 : wholeInteger(text);
  if (bare === 0) return NO_COMPRESSION;
  if (bare !== undefined) return parseCompressionDetail('gzip', text);
  const { algorithm, detail } = splitMethod(text);
  return parseCompressionDetail(compressionMethodNamed(algorithm), detail);
}

/** Where pg_basebackup's -Z compresses: said by a prefix, else decided by the backup target. */
export type CompressionLocation = 'unspecified' | 'client' | 'server';

export interface CompressOption {
  /** The method's name as given: a server-side name is the server's to judge. */
  readonly algorithm: string;
  readonly detail?: string;
  readonly location: CompressionLocation;
}

/**
 * pg_basebackup's -Z split, not yet validated: `[client-|server-]METHOD[:DETAIL]`, or an
 * integer (an empty string counts, as strtol's does in C) meaning gzip at that level.
 * Client-side options are then validated by parseCompressionDetail; server-side ones are
 * sent as given.
 */
export const parseCompressOption = (option: string): CompressOption => {
  if (option === '' || wholeInteger(option) !== undefined) return { algorithm: 'gzip', detail: option, location: 'unspecified' };
  for (const location of ['client', 'server'] as const) {
    if (option.startsWith(`${location}-`)) return { ...splitMethod(option.slice(location.length + 1)), location };
  }
  return { ...splitMethod(option), location: 'unspecified' };
};

/** "gzip:5", "zstd" (default level), "none": the canonical text of a spec. */
export const formatCompressionSpec = (spec: CompressionSpec): string =>
  spec.method === 'none' || !spec.levelGiven ? spec.method : `${spec.method}:${spec.level}`;
