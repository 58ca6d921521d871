/** The compression methods of WAL archives and base backups, as PostgreSQL names them. */
export const CompressionMethods = {
  none: 'none',
  gzip: 'gzip',
  lz4: 'lz4',
  zstd: 'zstd',
} as const;
export type CompressionMethod = (typeof CompressionMethods)[keyof typeof CompressionMethods];

/** File-name suffix of each method, as pg_receivewal and pg_basebackup write them. */
export const compressionSuffixes: Readonly<Record<CompressionMethod, string>> = {
  none: '',
  gzip: '.gz',
  lz4: '.lz4',
  zstd: '.zst',
};

const methodOfSuffix: Readonly<Record<string, CompressionMethod>> = {
  gz: 'gzip',
  lz4: 'lz4',
  zst: 'zstd',
};

/** ".gz" or "gz" → "gzip"; undefined for a suffix that is not a compression method. */
export const compressionOfSuffix = (suffix: string): CompressionMethod | undefined =>
  methodOfSuffix[suffix.replace(/^\./, '')];

/** "gzip" → ".gz"; "none" → "". */
export const suffixOfCompression = (method: CompressionMethod): string => compressionSuffixes[method];

/** The method a file name's suffix implies ("none" without a known suffix). */
export const compressionOfFileName = (name: string): CompressionMethod => {
  const dot = name.lastIndexOf('.');
  return (dot < 0 ? undefined : compressionOfSuffix(name.slice(dot + 1))) ?? 'none';
};
