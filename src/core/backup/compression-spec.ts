/**
 * `-Z/--compress` as pg_basebackup 15 reads it: `[client-|server-]METHOD[:DETAIL]`, or a bare
 * integer meaning gzip at that level. DETAIL is a level or `level=N,workers=N`. The server
 * parses what it is sent itself; only client-side requests are validated here.
 */
export const CompressionAlgorithm = {
  none: 'none',
  gzip: 'gzip',
  lz4: 'lz4',
  zstd: 'zstd',
} as const;
export type CompressionAlgorithm = (typeof CompressionAlgorithm)[keyof typeof CompressionAlgorithm];

export const CompressionLocation = {
  unspecified: 'unspecified',
  client: 'client',
  server: 'server',
} as const;
export type CompressionLocation = (typeof CompressionLocation)[keyof typeof CompressionLocation];

export interface CompressOption {
  readonly algorithm: string;
  readonly detail?: string;
  readonly location: CompressionLocation;
}

export interface CompressionSpec {
  readonly algorithm: CompressionAlgorithm;
  readonly level: number;
  readonly workers?: number;
}

// strtol() with nothing but the number (an empty string counts, as it does in C).
const wholeInteger = /^[\t\n\v\f\r ]*[+-]?[0-9]+$/;

export const parseCompressOption = (option: string): CompressOption => {
  if (option === '' || wholeInteger.test(option)) {
    return { algorithm: 'gzip', detail: option, location: CompressionLocation.unspecified };
  }
  let location: CompressionLocation = CompressionLocation.unspecified;
  let rest = option;
  if (rest.startsWith('server-')) {
    location = CompressionLocation.server;
    rest = rest.slice(7);
  } else if (rest.startsWith('client-')) {
    location = CompressionLocation.client;
    rest = rest.slice(7);
  }
  const colon = rest.indexOf(':');
  return colon === -1
    ? { algorithm: rest, location }
    : { algorithm: rest.slice(0, colon), detail: rest.slice(colon + 1), location };
};

export const parseCompressionAlgorithm = (name: string): CompressionAlgorithm | undefined =>
  Object.values(CompressionAlgorithm).find((a) => a === name);

const levelLimits: Readonly<Record<CompressionAlgorithm, { min: number; max: number; def: number }>> = {
  none: { min: 1, max: 1, def: 0 },
  gzip: { min: 1, max: 9, def: -1 },
  lz4: { min: 1, max: 12, def: 0 },
  // The limits of the zstd library PostgreSQL 15 links against (ZSTD_minCLevel..maxCLevel).
  zstd: { min: -131072, max: 22, def: 3 },
};

const integerValue = (keyword: string, value: string | undefined): number | string => {
  if (value === undefined) return `compression option "${keyword}" requires a value`;
  if (!wholeInteger.test(value)) return `value for compression option "${keyword}" must be an integer`;
  return Number.parseInt(value, 10);
};

/**
 * parse_compress_specification() + validate_compress_specification(): the spec, or the
 * error text pg_basebackup prints after "invalid compression specification: ".
 */
export const parseCompressionSpec = (
  algorithm: CompressionAlgorithm,
  detail: string | undefined,
): CompressionSpec | { readonly error: string } => {
  const limits = levelLimits[algorithm];
  let level = limits.def;
  let workers: number | undefined;
  if (detail !== undefined) {
    if (/^[\t\n\v\f\r ]*[+-]?[0-9]+$/.test(detail)) {
      level = Number.parseInt(detail, 10);
    } else {
      for (const entry of detail.split(',')) {
        const eq = entry.indexOf('=');
        const keyword = eq === -1 ? entry : entry.slice(0, eq);
        const value = eq === -1 ? undefined : entry.slice(eq + 1);
        if (keyword === '') return { error: 'found empty string where a compression option was expected' };
        if (keyword !== 'level' && keyword !== 'workers') {
          return { error: `unrecognized compression option: "${keyword}"` };
        }
        const parsed = integerValue(keyword, value);
        if (typeof parsed === 'string') return { error: parsed };
        if (keyword === 'level') level = parsed;
        else workers = parsed;
      }
    }
  }
  if (algorithm === CompressionAlgorithm.none && level !== 0) {
    return { error: `compression algorithm "${algorithm}" does not accept a compression level` };
  }
  if ((level < limits.min || level > limits.max) && level !== limits.def) {
    return {
      error: `compression algorithm "${algorithm}" expects a compression level between ${limits.min} and ${limits.max} (default at ${limits.def})`,
    };
  }
  if (workers !== undefined && algorithm !== CompressionAlgorithm.zstd) {
    return { error: `compression algorithm "${algorithm}" does not accept a worker count` };
  }
  return { algorithm, level, ...(workers === undefined ? {} : { workers }) };
};

/** The suffix an archive compressed with `algorithm` carries. */
export const compressionSuffix = (algorithm: CompressionAlgorithm): string =>
  ({ none: '', gzip: '.gz', lz4: '.lz4', zstd: '.zst' })[algorithm];
