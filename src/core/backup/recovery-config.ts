import { CONNECTION_KEYWORDS, isConnectionKeyword } from '../pg/conninfo/keywords.js';

/** PostgreSQL 12 moved recovery settings into postgresql.conf and signal files. */
export const MINIMUM_VERSION_FOR_RECOVERY_GUC = 120000;

/** Keywords a walreceiver sets itself; pg_basebackup leaves them out of primary_conninfo. */
const OMITTED = new Set(['replication', 'dbname', 'fallback_application_name']);

/**
 * One conninfo value as libpq's appendConnStrVal writes it: bare when it is only
 * [A-Za-z0-9_.], otherwise single-quoted with ' and \ backslash-escaped.
 */
export const quoteConnValue = (value: string): string =>
  /^[A-Za-z0-9_.]+$/.test(value) ? value : `'${value.replace(/['\\]/g, (c) => `\\${c}`)}'`;

/** A value inside a single-quoted configuration-file string: ' and \ doubled. */
export const escapeConfigString = (value: string): string => value.replace(/['\\]/g, (c) => c + c);

/**
 * primary_conninfo's value, before configuration-file quoting: every non-empty keyword in
 * libpq's order, except those the walreceiver overrides and, given the server's version,
 * those its libpq does not know yet. The standby runs the primary's major, and its
 * walreceiver's libpq refuses the whole string over one unknown keyword ("invalid
 * connection option"): replication would never start (require_auth against a 14 or 15).
 */
export const buildPrimaryConninfo = (params: Readonly<Record<string, string>>, serverVersionNum: number): string => {
  const known = CONNECTION_KEYWORDS.filter((k) => k.since === undefined || serverVersionNum >= k.since).map((k) => k.keyword);
  const extra = Object.keys(params).filter((k) => !isConnectionKeyword(k));
  return [...known, ...extra]
    .filter((keyword) => !OMITTED.has(keyword))
    .flatMap((keyword) => {
      const value = params[keyword];
      return value === undefined || value === '' ? [] : [`${keyword}=${quoteConnValue(value)}`];
    })
    .join(' ');
};

export interface RecoveryConfigRequest {
  /** The connection's resolved keywords (ResolvedConnection.params). */
  readonly params: Readonly<Record<string, string>>;
  /** -S: written as primary_slot_name. */
  readonly slot?: string;
  readonly serverVersionNum: number;
}

/** The lines pg_basebackup -R appends to postgresql.auto.conf (or writes as recovery.conf). */
export const recoveryConfigContents = (request: RecoveryConfigRequest): string => {
  let text = '';
  if (request.serverVersionNum < MINIMUM_VERSION_FOR_RECOVERY_GUC) text += "standby_mode = 'on'\n";
  text += `primary_conninfo = '${escapeConfigString(buildPrimaryConninfo(request.params, request.serverVersionNum))}'\n`;
  // Slot names are [a-z0-9_] only (the server validates them), so they need no escaping.
  if (request.slot !== undefined) text += `primary_slot_name = '${request.slot}'\n`;
  return text;
};

/** Where the contents go, and which signal file (if any) accompanies them. */
export const recoveryFiles = (
  serverVersionNum: number,
): { readonly configFile: string; readonly append: boolean; readonly signalFile?: string } =>
  serverVersionNum < MINIMUM_VERSION_FOR_RECOVERY_GUC
    ? { configFile: 'recovery.conf', append: false }
    : { configFile: 'postgresql.auto.conf', append: true, signalFile: 'standby.signal' };
