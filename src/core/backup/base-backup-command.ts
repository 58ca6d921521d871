/** What goes into BASE_BACKUP, as pg_basebackup decides it from its options. */
export interface BaseBackupRequest {
  readonly label: string;
  readonly progress: boolean;
  /** -X fetch: the server appends the WAL to base.tar. */
  readonly includeWal: boolean;
  readonly fastCheckpoint: boolean;
  /** Any WAL method but none: do not wait for WAL archiving to finish. */
  readonly noWait: boolean;
  readonly maxRate: number;
  readonly tablespaceMap: boolean;
  readonly verifyChecksums: boolean;
  readonly manifest?: { readonly forceEncode: boolean; readonly checksums?: string };
  /** -t: TARGET and optional TARGET_DETAIL (15+); otherwise TARGET 'client' on 15+. */
  readonly target?: string;
  readonly compression?: { readonly algorithm: string; readonly detail?: string };
}

const quoteLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * The command text: the parenthesised, comma-separated syntax of 15+, or the old
 * space-separated keywords. Literals are quoted with doubled single quotes, as
 * AppendStringCommandOption does (the walsender's scanner takes no backslash escapes).
 */
export const buildBaseBackupCommand = (request: BaseBackupRequest, serverVersionNum: number): string => {
  const modern = serverVersionNum >= 150000;
  const options: string[] = [];
  const plain = (name: string): void => {
    options.push(name);
  };
  const text = (name: string, value: string): void => {
    options.push(`${name} ${quoteLiteral(value)}`);
  };
  const integer = (name: string, value: number): void => {
    options.push(`${name} ${value}`);
  };
  text('LABEL', request.label);
  if (request.progress) plain('PROGRESS');
  if (request.includeWal) plain('WAL');
  if (request.fastCheckpoint) {
    if (modern) text('CHECKPOINT', 'fast');
    else plain('FAST');
  }
  if (request.noWait) {
    if (modern) integer('WAIT', 0);
    else plain('NOWAIT');
  }
  if (request.maxRate > 0) integer('MAX_RATE', request.maxRate);
  if (request.tablespaceMap) plain('TABLESPACE_MAP');
  if (!request.verifyChecksums) {
    if (modern) integer('VERIFY_CHECKSUMS', 0);
    else plain('NOVERIFY_CHECKSUMS');
  }
  if (request.manifest !== undefined) {
    text('MANIFEST', request.manifest.forceEncode ? 'force-encode' : 'yes');
    if (request.manifest.checksums !== undefined) text('MANIFEST_CHECKSUMS', request.manifest.checksums);
  }
  if (request.target !== undefined) {
    plain('TABLESPACE_MAP');
    const colon = request.target.indexOf(':');
    if (colon === -1) {
      text('TARGET', request.target);
    } else {
      text('TARGET', request.target.slice(0, colon));
      text('TARGET_DETAIL', request.target.slice(colon + 1));
    }
  } else if (modern) {
    text('TARGET', 'client');
  }
  if (request.compression !== undefined) {
    text('COMPRESSION', request.compression.algorithm);
    if (request.compression.detail !== undefined) text('COMPRESSION_DETAIL', request.compression.detail);
  }
  return modern ? `BASE_BACKUP (${options.join(', ')})` : `BASE_BACKUP ${options.join(' ')}`;
};
