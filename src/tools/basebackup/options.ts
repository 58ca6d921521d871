import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import {
  compressionMethodNamed, type CompressionSpec, NO_COMPRESSION, parseCompressOption, parseCompressionDetail,
} from '../../core/compression/compression-spec.js';
import { canonicalizePath } from '../../core/backup/canonical-path.js';
import { type TablespaceMapping, parseTablespaceMapping } from '../../core/backup/tablespace-mapping.js';
import { UsageError } from '../../core/errors.js';

export const WalMethod = { none: 'none', fetch: 'fetch', stream: 'stream' } as const;
export type WalMethod = (typeof WalMethod)[keyof typeof WalMethod];

/** Everything pg_basebackup's command line can say, validated the way pg_basebackup does. */
export interface BaseBackupOptions {
  /** Output directory; '-' writes a tar to stdout. Absent only with a server-side target. */
  readonly pgdata?: string;
  readonly format: 'plain' | 'tar';
  readonly walMethod: WalMethod;
  readonly writeRecoveryConf: boolean;
  /** -S, or the temporary slot name chosen later. */
  readonly slot?: string;
  readonly temporarySlot: boolean;
  readonly createSlot: boolean;
  readonly fastCheckpoint: boolean;
  readonly label: string;
  readonly noClean: boolean;
  readonly sync: boolean;
  readonly progress: boolean;
  readonly verbose: number;
  /** kB/s, 0 = unlimited. */
  readonly maxRate: number;
  readonly tablespaceMappings: readonly TablespaceMapping[];
  readonly waldir?: string;
  /** Server-side: algorithm and detail passed through. */
  readonly serverCompression?: { readonly algorithm: string; readonly detail?: string };
  /** Client-side compression of tar output (algorithm none when not compressing). */
  readonly clientCompression: CompressionSpec;
  /** -t: server-side target ("server:/path", "blackhole"), never "client". */
  readonly target?: string;
  readonly manifest: boolean;
  readonly manifestChecksums?: string;
  readonly manifestForceEncode: boolean;
  readonly estimateSize: boolean;
  readonly verifyChecksums: boolean;
  readonly statusIntervalMs: number;
  readonly verify: boolean;
  readonly connection: ConnectionFlags;
}

/** The raw flags as the CLI collected them (before validation). */
export interface BaseBackupFlags {
  readonly pgdata?: string;
  readonly format?: string;
  readonly walMethod?: string;
  readonly writeRecoveryConf?: boolean;
  readonly slot?: string;
  readonly noSlot?: boolean;
  readonly createSlot?: boolean;
  readonly checkpoint?: string;
  readonly label?: string;
  readonly noClean?: boolean;
  readonly noSync?: boolean;
  readonly progress?: boolean;
  readonly verbose?: number;
  readonly maxRate?: string;
  readonly tablespaceMappings?: readonly string[];
  readonly waldir?: string;
  /** -z and -Z in command-line order (the last one wins). */
  readonly compress?: string;
  readonly target?: string;
  readonly noManifest?: boolean;
  readonly manifestChecksums?: string;
  readonly manifestForceEncode?: boolean;
  readonly noEstimateSize?: boolean;
  readonly noVerifyChecksums?: boolean;
  readonly statusInterval?: string;
  readonly verify?: boolean;
  readonly extraArguments?: readonly string[];
  readonly connection: ConnectionFlags;
}

const TRY_HELP = 'Try "basebackup --help" for more information.';
const usage = (message: string, withHint = true): UsageError =>
  new UsageError(message, withHint ? { hint: TRY_HELP } : {});

// Server-side limits of MAX_RATE (kB/s).
const MAX_RATE_LOWER = 32;
const MAX_RATE_UPPER = 1048576;

/** -r: kB/s, or with a "k" / "M" suffix; the same messages as pg_basebackup. */
export const parseMaxRate = (text: string): number => {
  const match = /^[\t\n\v\f\r ]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(.*)$/s.exec(text);
  if (match === null) throw usage(`transfer rate "${text}" is not a valid value`, false);
  let value = Number(match[1]);
  if (value <= 0) throw usage('transfer rate must be greater than zero', false);
  const rest = (match[2] ?? '').trim();
  if (rest === 'M') value *= 1024;
  else if (rest !== '' && rest !== 'k') throw usage(`invalid --max-rate unit: "${rest}"`, false);
  if (value >= 2 ** 32) throw usage(`transfer rate "${text}" exceeds integer range`, false);
  if (value < MAX_RATE_LOWER || value > MAX_RATE_UPPER) {
    throw usage(`transfer rate "${text}" is out of range`, false);
  }
  return Math.trunc(value);
};

const parseStatusInterval = (text: string): number => {
  const trimmed = text.replace(/[\t\n\v\f\r ]+$/, '');
  if (!/^[\t\n\v\f\r ]*[+-]?\d+$/.test(trimmed)) {
    throw usage(`invalid value "${text}" for option -s/--status-interval`, false);
  }
  const seconds = Number.parseInt(trimmed, 10);
  if (seconds < 0 || seconds > 2147483) {
    throw usage('-s/--status-interval must be in range 0..2147483', false);
  }
  return seconds * 1000;
};

const parseFormat = (text: string | undefined): 'plain' | 'tar' | undefined => {
  if (text === undefined) return undefined;
  if (text === 'p' || text === 'plain') return 'plain';
  if (text === 't' || text === 'tar') return 'tar';
  throw usage(`invalid output format "${text}", must be "plain" or "tar"`, false);
};

const parseWalMethod = (text: string | undefined): WalMethod => {
  if (text === undefined) return WalMethod.stream;
  if (text === 'n' || text === 'none') return WalMethod.none;
  if (text === 'f' || text === 'fetch') return WalMethod.fetch;
  if (text === 's' || text === 'stream') return WalMethod.stream;
  throw usage(`invalid wal-method option "${text}", must be "fetch", "stream", or "none"`, false);
};

const parseCheckpoint = (text: string | undefined): boolean => {
  if (text === undefined) return false;
  if (text.toLowerCase() === 'fast') return true;
  if (text.toLowerCase() === 'spread') return false;
  throw usage(`invalid checkpoint argument "${text}", must be "fast" or "spread"`, false);
};


/**
 * Turns the flags into options, refusing every combination pg_basebackup refuses, with its
 * messages, in its order (so the first complaint is the same one).
 */
export const resolveOptions = (flags: BaseBackupFlags): BaseBackupOptions => {
  const format = parseFormat(flags.format);
  const walMethod = parseWalMethod(flags.walMethod);
  const fastCheckpoint = parseCheckpoint(flags.checkpoint);
  const maxRate = flags.maxRate === undefined ? 0 : parseMaxRate(flags.maxRate);
  const tablespaceMappings = (flags.tablespaceMappings ?? []).map(parseTablespaceMapping);
  const statusIntervalMs = flags.statusInterval === undefined ? 10_000 : parseStatusInterval(flags.statusInterval);
  const extra = flags.extraArguments ?? [];
  if (extra.length > 0) throw usage(`too many command-line arguments (first is "${extra[0]}")`);
  const output = resolveOutput(flags, format);
  const compression = resolveCompression(flags, output);
  const temporarySlot = resolveSlot(flags, walMethod, output);
  const waldir = resolveWaldir(flags, output);
  checkManifestFlags(flags, output);
  return {
    ...(flags.pgdata === undefined ? {} : { pgdata: flags.pgdata }),
    format: output.format,
    walMethod,
    writeRecoveryConf: flags.writeRecoveryConf === true,
    ...(flags.slot === undefined ? {} : { slot: flags.slot }),
    temporarySlot,
    createSlot: flags.createSlot === true,
    fastCheckpoint,
    label: flags.label ?? 'pg_basebackup base backup',
    noClean: flags.noClean === true,
    sync: flags.noSync !== true,
    progress: flags.progress === true,
    verbose: flags.verbose ?? 0,
    maxRate,
    tablespaceMappings,
    ...(waldir === undefined ? {} : { waldir }),
    ...compression,
    ...(output.target === undefined ? {} : { target: output.target }),
    manifest: flags.noManifest !== true,
    ...(flags.manifestChecksums === undefined ? {} : { manifestChecksums: flags.manifestChecksums }),
    manifestForceEncode: flags.manifestForceEncode === true,
    estimateSize: flags.noEstimateSize !== true,
    verifyChecksums: flags.noVerifyChecksums !== true,
    statusIntervalMs,
    verify: flags.verify === true,
    connection: flags.connection,
  };
};

/** Where the backup goes: a directory (or "-"), or a server-side target; and in what format. */
interface Output {
  readonly target: string | undefined;
  readonly format: 'plain' | 'tar';
}

const resolveOutput = (flags: BaseBackupFlags, format: 'plain' | 'tar' | undefined): Output => {
  const target = flags.target === 'client' ? undefined : flags.target;
  if (target !== undefined && format !== undefined) throw usage('cannot specify both format and backup target');
  if (flags.pgdata === undefined && target === undefined) {
    throw usage('must specify output directory or backup target');
  }
  if (flags.pgdata !== undefined && target !== undefined) {
    throw usage('cannot specify both output directory and backup target');
  }
  return { target, format: format ?? 'plain' };
};

/** -z/-Z: client-side (validated here) or server-side (the server judges what it is sent). */
const resolveCompression = (
  flags: BaseBackupFlags,
  { target, format }: Output,
): Pick<BaseBackupOptions, 'clientCompression' | 'serverCompression'> => {
  const compress = parseCompressOption(flags.compress ?? 'none');
  let location = compress.location;
  if (location === 'unspecified') location = target === undefined ? 'client' : 'server';
  const clientCompression: CompressionSpec = location === 'client'
    ? parseCompressionDetail(compressionMethodNamed(compress.algorithm), compress.detail)
    : NO_COMPRESSION;
  if (target !== undefined && location === 'client') {
    throw usage('client-side compression is not possible when a backup target is specified');
  }
  if (format === 'plain' && clientCompression.method !== 'none') {
    throw usage('only tar mode backups can be compressed');
  }
  if (location !== 'server') return { clientCompression };
  return {
    clientCompression,
    serverCompression: { algorithm: compress.algorithm, ...(compress.detail === undefined ? {} : { detail: compress.detail }) },
  };
};

/** -X with -S, --no-slot and -C; whether a temporary slot is used. */
const resolveSlot = (flags: BaseBackupFlags, walMethod: WalMethod, { target, format }: Output): boolean => {
  if (target !== undefined && walMethod === WalMethod.stream) {
    throw usage('WAL cannot be streamed when a backup target is specified');
  }
  if (format === 'tar' && walMethod === WalMethod.stream && flags.pgdata === '-') {
    throw usage('cannot stream write-ahead logs in tar mode to stdout');
  }
  if (flags.slot !== undefined && walMethod !== WalMethod.stream) {
    throw usage('replication slots can only be used with WAL streaming');
  }
  let temporarySlot = flags.slot === undefined;
  if (flags.noSlot === true) {
    if (flags.slot !== undefined) throw usage('--no-slot cannot be used with slot name');
    temporarySlot = false;
  }
  if (flags.createSlot === true) {
    if (flags.slot === undefined) throw usage('--create-slot needs a slot to be specified using --slot');
    if (flags.noSlot === true) throw usage('--create-slot and --no-slot are incompatible options');
  }
  return temporarySlot;
};

/** --waldir: plain format, no target, an absolute path. */
const resolveWaldir = (flags: BaseBackupFlags, { target, format }: Output): string | undefined => {
  if (flags.waldir === undefined) return undefined;
  if (target !== undefined) {
    throw usage('WAL directory location cannot be specified along with a backup target');
  }
  if (format !== 'plain') throw usage('WAL directory location can only be specified in plain mode');
  const waldir = canonicalizePath(flags.waldir);
  if (!waldir.startsWith('/')) throw usage('WAL directory location must be an absolute path');
  return waldir;
};

/** -P with --no-estimate-size; the manifest flags; --verify, which needs a manifest on disk. */
const checkManifestFlags = (flags: BaseBackupFlags, { target }: Output): void => {
  if (flags.progress === true && flags.noEstimateSize === true) {
    throw usage('--progress and --no-estimate-size are incompatible options');
  }
  if (flags.noManifest === true && flags.manifestChecksums !== undefined) {
    throw usage('--no-manifest and --manifest-checksums are incompatible options');
  }
  if (flags.noManifest === true && flags.manifestForceEncode === true) {
    throw usage('--no-manifest and --manifest-force-encode are incompatible options');
  }
  if (flags.verify === true && (flags.noManifest === true || target !== undefined || flags.pgdata === '-')) {
    throw usage('--verify needs a backup manifest written to an output directory');
  }
};
