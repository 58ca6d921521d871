/**
 * pg_archivecleanup's view of file names (PostgreSQL's IsXLogFileName and friends): exact
 * upper-case hex, a `.partial` suffix, a `.backup` ending. Kept literal so that the set of
 * files removed is the set pg_archivecleanup removes.
 */
const HEX24 = /^[0-9A-F]{24}/;

export const isXLogFileName = (name: string): boolean => name.length === 24 && HEX24.test(name);

export const isPartialXLogFileName = (name: string): boolean =>
  name.length === 32 && HEX24.test(name) && name.endsWith('.partial');

/** 24 hex digits, then anything that is not another upper-case hex digit, ending in `.backup`. */
export const isBackupHistoryFileName = (name: string): boolean =>
  name.length > 24 && HEX24.test(name) && !/^[0-9A-F]$/.test(name.charAt(24)) && name.endsWith('.backup');

/** pg_archivecleanup's TrimExtension: strip `extension` only when the name is longer. */
export const trimExtension = (name: string, extension: string | undefined): string =>
  extension !== undefined && name.length > extension.length && name.endsWith(extension)
    ? name.slice(0, name.length - extension.length)
    : name;

/**
 * What `sscanf(name, "%08X%08X%08X.%08X.backup")` accepts as four conversions: the 24 hex
 * digits, a dot, then a hexadecimal number (after optional white space and sign).
 */
export const backupNameScansAsFour = (name: string): boolean =>
  name.charAt(24) === '.' && /^[+-]?[0-9A-Fa-f]/.test(name.slice(25).replace(/^[ \t\n\v\f\r]+/, '').slice(0, 8));

// Compressed forms archivewal and pg_receivewal write: X.gz, X.partial.zst, X.lz4.partial.
const compressedPattern = /^([0-9A-F]{24})(?:(\.partial)?\.(?:gz|lz4|zst)|\.(?:gz|lz4|zst)(\.partial))$/;

/**
 * The name a compressed WAL file stands for ("X.gz" → "X", "X.gz.partial" → "X.partial"),
 * or undefined when `name` is not a compressed segment or partial segment.
 */
export const uncompressedWalName = (name: string): string | undefined => {
  const match = compressedPattern.exec(name);
  if (match === null) return undefined;
  const [, segment = '', partialBefore, partialAfter] = match;
  return partialBefore !== undefined || partialAfter !== undefined ? `${segment}.partial` : segment;
};
