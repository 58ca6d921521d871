import { parseCompressionSpec } from '../../core/compression/compression-spec.js';
import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import { UsageError } from '../../core/errors.js';
import type { CompressionMethod } from '../../core/wal/wal-file-kind.js';

/** What receivewal was asked to do, validated the way pg_receivewal 15 validates it. */
export interface ReceivewalOptions {
  readonly action: 'stream' | 'create-slot' | 'drop-slot';
  /** Required to stream; unused by --create-slot / --drop-slot. */
  readonly directory?: string;
  readonly endpos?: bigint;
  readonly ifNotExists: boolean;
  /** False with -n/--no-loop: stop at the first disconnection instead of retrying. */
  readonly loop: boolean;
  /** False with --no-sync. */
  readonly sync: boolean;
  /** 0 disables periodic status packets. */
  readonly statusIntervalMs: number;
  readonly slot?: string;
  readonly synchronous: boolean;
  readonly verbose: boolean;
  readonly compression: { readonly method: CompressionMethod; readonly level: number };
  readonly connection: ConnectionFlags;
  /** The progress line on a TTY (on unless --no-progress). */
  readonly progress: boolean;
  /** --archive: push completed segments and history files there (directory or s3:// URL). */
  readonly archive?: string;
  /** --remove-archived: delete local segments once the archive holds them. */
  readonly removeArchived: boolean;
  readonly s3ConfigFile?: string;
}

/** The flags as commander hands them over (strings unparsed, so errors read like pg's). */
export interface RawFlags {
  readonly directory?: string;
  readonly endpos?: string;
  readonly ifNotExists?: boolean;
  readonly loop?: boolean;
  readonly sync?: boolean;
  readonly statusInterval?: string;
  readonly slot?: string;
  readonly synchronous?: boolean;
  readonly verbose?: number;
  readonly compress?: string;
  readonly createSlot?: boolean;
  readonly dropSlot?: boolean;
  readonly progress?: boolean;
  readonly archive?: string;
  readonly removeArchived?: boolean;
  readonly s3Config?: string;
}

const helpHint = (tool: string): { hint: string } => ({ hint: `Try "${tool} --help" for more information.` });

// strtol(): optional white space and sign, then digits (none at all reads as 0).
const cInteger = /^[\t\n\v\f\r ]*([+-]?)([0-9]*)/;

/** option_parse_int(): an int in [min, max], trailing white space allowed, like the C tools. */
export const parseIntOption = (text: string, name: string, min: number, max: number): number => {
  const match = cInteger.exec(text);
  const rest = match === null ? text : text.slice(match[0].length);
  if (match === null || rest.trim() !== '' || (match[2] === '' && text.trim() !== '')) {
    throw new UsageError(`invalid value "${text}" for option ${name}`);
  }
  const value = Number(`${match[1]}${match[2] === '' ? '0' : match[2]}`);
  if (value < min || value > max) throw new UsageError(`${name} must be in range ${min}..${max}`);
  return value;
};

// sscanf("%X/%X"): each half may carry white space and 0x; whatever follows is ignored.
const endposPattern = /^\s*(?:0[xX])?([0-9A-Fa-f]{1,8})\/\s*(?:0[xX])?([0-9A-Fa-f]{1,8})(?![0-9A-Fa-f])/;

export const parseEndpos = (text: string): bigint => {
  const match = endposPattern.exec(text);
  if (match === null) throw new UsageError(`could not parse end position "${text}"`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
};

/** -Z as pg_receivewal 15 reads it (plus zstd, which pg_receivewal 15 refuses). */
export const parseCompressArgument = (
  text: string,
): { readonly method: CompressionMethod; readonly level: number } => {
  const { method, level } = parseCompressionSpec(text);
  return { method, level };
};

/** Flags → options, with pg_receivewal's checks, messages and order. */
export const buildOptions = (
  tool: string,
  raw: RawFlags,
  connection: ConnectionFlags,
  extraArguments: readonly string[],
): ReceivewalOptions => {
  const statusIntervalMs =
    raw.statusInterval === undefined
      ? 10_000
      : parseIntOption(raw.statusInterval, '-s/--status-interval', 0, Math.floor(2147483647 / 1000)) * 1000;
  const endpos = raw.endpos === undefined ? undefined : parseEndpos(raw.endpos);
  const [firstExtra] = extraArguments;
  if (firstExtra !== undefined) {
    throw new UsageError(`too many command-line arguments (first is "${firstExtra}")`, helpHint(tool));
  }
  const createSlot = raw.createSlot === true;
  const dropSlot = raw.dropSlot === true;
  if (createSlot && dropSlot) {
    throw new UsageError('cannot use --create-slot together with --drop-slot', helpHint(tool));
  }
  if (raw.slot === undefined && (createSlot || dropSlot)) {
    throw new UsageError(
      `${dropSlot ? '--drop-slot' : '--create-slot'} needs a slot to be specified using --slot`,
      helpHint(tool),
    );
  }
  const sync = raw.sync !== false;
  const synchronous = raw.synchronous === true;
  if (synchronous && !sync) {
    throw new UsageError('cannot use --synchronous together with --no-sync', helpHint(tool));
  }
  if (raw.directory === undefined && !createSlot && !dropSlot) {
    throw new UsageError('no target directory specified', helpHint(tool));
  }
  const compression = parseCompressArgument(raw.compress ?? 'none');
  if (raw.archive !== undefined && compression.method !== 'none') {
    throw new UsageError('cannot use --archive together with --compress (compress in the archive with archivewal -Z)', helpHint(tool));
  }
  if (raw.removeArchived === true && raw.archive === undefined) {
    throw new UsageError('--remove-archived needs an archive given with --archive', helpHint(tool));
  }
  return {
    action: createSlot ? 'create-slot' : dropSlot ? 'drop-slot' : 'stream',
    ...(raw.directory === undefined ? {} : { directory: raw.directory }),
    ...(endpos === undefined ? {} : { endpos }),
    ifNotExists: raw.ifNotExists === true,
    loop: raw.loop !== false,
    sync,
    statusIntervalMs,
    ...(raw.slot === undefined ? {} : { slot: raw.slot }),
    synchronous,
    verbose: (raw.verbose ?? 0) > 0,
    compression,
    connection,
    progress: raw.progress !== false,
    ...(raw.archive === undefined ? {} : { archive: raw.archive }),
    removeArchived: raw.removeArchived === true,
    ...(raw.s3Config === undefined ? {} : { s3ConfigFile: raw.s3Config }),
  };
};
