import { UsageError } from '../errors.js';
import type { CompressionMethod } from './compression-method.js';

/** A parsed `-Z` value. `level` is always set: the method's default when none was given. */
export interface CompressionSpec {
  readonly method: CompressionMethod;
  readonly level: number;
  /** Whether the level came from the user (false: the method's default). */
  readonly levelGiven: boolean;
}

interface LevelRange {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

// PostgreSQL's ranges; each default lies outside [min, max] for gzip and lz4 on purpose
// (-1 is zlib's "default", 0 is lz4's fast mode) and is accepted as such.
const levelRanges: Readonly<Record<CompressionMethod, LevelRange>> = {
  none: { min: 1, max: 1, default: 0 },
  gzip: { min: 1, max: 9, default: -1 },
  lz4: { min: 1, max: 12, default: 0 },
  zstd: { min: -131072, max: 22, default: 3 },
};

const methods: readonly string[] = ['none', 'gzip', 'lz4', 'zstd'];

/** C's strtol consuming the whole string: optional white space, sign, digits. */
const wholeInteger = (text: string): number | undefined =>
  /^\s*[+-]?\d+$/.test(text) ? Number.parseInt(text, 10) : undefined;

const invalid = (reason: string): UsageError => new UsageError(`invalid compression specification: ${reason}`);

/**
 * Parses `METHOD[:DETAIL]` or a bare integer the way pg_receivewal -Z does (PostgreSQL 15):
 * `0` → none, other integers → gzip at that level; DETAIL is a level or `level=N`
 * (`workers=N` is accepted for zstd and ignored). Messages are PostgreSQL's.
 */
export function parseCompressionSpec(text: string): CompressionSpec {
  let algorithm: string;
  let detail: string | undefined;
  const bare = text === '' ? 0 : wholeInteger(text);
  if (bare !== undefined) {
    if (bare === 0) return { method: 'none', level: 0, levelGiven: false };
    algorithm = 'gzip';
    detail = text;
  } else {
    const colon = text.indexOf(':');
    algorithm = colon < 0 ? text : text.slice(0, colon);
    detail = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (!methods.includes(algorithm)) throw new UsageError(`unrecognized compression algorithm: "${algorithm}"`);
  const method = algorithm as CompressionMethod;
  const range = levelRanges[method];
  let level = range.default;
  let levelGiven = false;
  let workers = false;
  if (detail !== undefined) {
    const bareLevel = wholeInteger(detail);
    if (bareLevel !== undefined) {
      level = bareLevel;
      levelGiven = true;
    } else {
      for (const item of detail.split(',')) {
        const eq = item.indexOf('=');
        const keyword = eq < 0 ? item : item.slice(0, eq);
        const value = eq < 0 ? undefined : item.slice(eq + 1);
        if (keyword === '') throw invalid('found empty string where a compression option was expected');
        if (keyword !== 'level' && keyword !== 'workers') {
          throw invalid(`unrecognized compression option: "${keyword}"`);
        }
        if (value === undefined) throw invalid(`compression option "${keyword}" requires a value`);
        const number = /^\s*[+-]?\d+/.exec(value) !== null ? wholeInteger(value) : undefined;
        if (number === undefined) throw invalid(`value for compression option "${keyword}" must be an integer`);
        if (keyword === 'level') {
          level = number;
          levelGiven = true;
        } else {
          workers = true;
        }
      }
    }
  }
  if (method === 'none' && level !== 0) {
    throw invalid('compression algorithm "none" does not accept a compression level');
  }
  if ((level < range.min || level > range.max) && level !== range.default) {
    throw invalid(
      `compression algorithm "${method}" expects a compression level between ${range.min} and ${range.max} (default at ${range.default})`,
    );
  }
  if (workers && method !== 'zstd') {
    throw invalid(`compression algorithm "${method}" does not accept a worker count`);
  }
  return { method, level, levelGiven };
}

/** "gzip:5", "zstd" (default level), "none": the canonical text of a spec. */
export const formatCompressionSpec = (spec: CompressionSpec): string =>
  spec.method === 'none' || !spec.levelGiven ? spec.method : `${spec.method}:${spec.level}`;
