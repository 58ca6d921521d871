import { ProtocolError, ValidationError, WarmstandbyError } from '../../errors.js';
import type { PgConnection } from '../connection/pg-connection.js';
import type { QueryResult } from '../connection/results.js';
import { formatLsn, parseLsn } from '../../wal/lsn.js';
import { quoteIdentifier } from './quote.js';

/**
 * The replication commands of a walsender connection (replication=true or database), with
 * the syntax each server version understands.
 */

const oneRow = (results: readonly QueryResult[], command: string, minFields: number): readonly (string | null)[] => {
  const result = results.find((r) => r.fields.length > 0);
  if (result === undefined || result.rows.length !== 1 || result.fields.length < minFields) {
    throw new ProtocolError(
      `Cannot run ${command}: got ${result?.rows.length ?? 0} rows and ${result?.fields.length ?? 0} fields, ` +
        `expected 1 row and ${minFields} or more fields`,
    );
  }
  return result.rows[0] as readonly (string | null)[];
};

const integerValue = (text: string | null, what: string): number => {
  if (text === null || !/^\d+$/.test(text)) throw new ProtocolError(`Cannot read ${what}: "${String(text)}" is not a number`);
  return Number(text);
};

const checkTimeline = (timeline: number): void => {
  if (!Number.isInteger(timeline) || timeline < 1 || timeline > 0xffff_ffff) {
    throw new ValidationError('invalid-timeline', `Cannot use timeline ${timeline}: expected 1..4294967295`);
  }
};

/**
 * The server's rule for slot names (lower-case letters, digits, underscore; at most 63
 * bytes), checked before the name goes into a command: the walsender's grammar cannot
 * even express a quote inside an identifier, so a bad name would otherwise surface as a
 * confusing syntax error.
 */
export const checkSlotName = (name: string): void => {
  if (name === '' || name.length > 63 || !/^[a-z0-9_]+$/.test(name)) {
    throw new ValidationError(
      'invalid-slot-name',
      name === '' || name.length > 63
        ? `Cannot use replication slot name "${name}": it must be 1 to 63 characters long`
        : `Cannot use replication slot name "${name}": it contains an invalid character`,
      { hint: 'Replication slot names may only contain lower case letters, numbers, and the underscore character.' },
    );
  }
};

const slotIdentifier = (name: string): string => {
  checkSlotName(name);
  return quoteIdentifier(name);
};

export interface SystemIdentity {
  readonly systemId: string;
  readonly timeline: number;
  /** The flush position (the replay position of a standby). */
  readonly xlogpos: bigint;
  readonly dbname: string | null;
}

export async function identifySystem(c: PgConnection): Promise<SystemIdentity> {
  const [systemId, timeline, xlogpos, dbname] = oneRow(await c.query('IDENTIFY_SYSTEM'), 'IDENTIFY_SYSTEM', 3);
  if (systemId === null || systemId === undefined || xlogpos === null || xlogpos === undefined) {
    throw new ProtocolError('Cannot run IDENTIFY_SYSTEM: the server returned NULL identity fields');
  }
  // pg_control's system identifier: an unsigned 64-bit number in decimal. It is compared with
  // WAL page headers and written into archives, so nothing else may pass for one.
  if (!/^[0-9]{1,20}$/.test(systemId) || BigInt(systemId) > 0xffff_ffff_ffff_ffffn) {
    throw new ProtocolError(`Cannot run IDENTIFY_SYSTEM: the server returned an invalid system identifier "${systemId.slice(0, 40)}"`);
  }
  return {
    systemId,
    timeline: integerValue(timeline ?? null, 'the timeline of IDENTIFY_SYSTEM'),
    xlogpos: parseLsn(xlogpos),
    dbname: dbname ?? null,
  };
}

/** The history file of timeline `tli` (the server has none for timeline 1). */
export async function timelineHistory(c: PgConnection, tli: number): Promise<{ filename: string; content: Buffer }> {
  checkTimeline(tli);
  const results = await c.queryRaw(`TIMELINE_HISTORY ${tli}`);
  const result = results.find((r) => r.fields.length > 0);
  const row = result?.rows[0];
  if (result === undefined || result.rows.length !== 1 || result.fields.length !== 2 || row === undefined) {
    throw new ProtocolError('Cannot run TIMELINE_HISTORY: expected 1 row and 2 fields');
  }
  const [filename, content] = row;
  if (filename === null || filename === undefined || content === null || content === undefined) {
    throw new ProtocolError('Cannot run TIMELINE_HISTORY: the server returned NULL');
  }
  return { filename: filename.toString('utf8'), content };
}

const requireVersion = (c: PgConnection, minimum: number, what: string): void => {
  if (c.serverVersionNum < minimum) {
    throw new WarmstandbyError(
      'unsupported-server-version',
      `Cannot run ${what}: it needs PostgreSQL ${minimum / 10_000} or later, the server is ` +
        `${c.parameters.get('server_version') ?? c.serverVersionNum}`,
    );
  }
};

export interface SlotPosition {
  readonly slotType: string | null;
  readonly restartLsn: bigint | null;
  readonly restartTli: number | null;
}

/** PostgreSQL 15+: where a slot would restart; all null if it does not exist. */
export async function readReplicationSlot(c: PgConnection, name: string): Promise<SlotPosition> {
  requireVersion(c, 150_000, 'READ_REPLICATION_SLOT');
  const [slotType, restartLsn, restartTli] = oneRow(
    await c.query(`READ_REPLICATION_SLOT ${slotIdentifier(name)}`),
    'READ_REPLICATION_SLOT',
    3,
  );
  return {
    slotType: slotType ?? null,
    restartLsn: restartLsn === null || restartLsn === undefined ? null : parseLsn(restartLsn),
    restartTli: restartTli === null || restartTli === undefined ? null : integerValue(restartTli, 'restart_tli'),
  };
}

export interface CreateSlotOptions {
  readonly temporary?: boolean;
  /** Reserve WAL from now on, instead of from the first connection that streams from it. */
  readonly reserveWal?: boolean;
}

/** The command text: options in parentheses from 15 on, bare RESERVE_WAL before. */
export const createReplicationSlotCommand = (serverVersionNum: number, name: string, options: CreateSlotOptions): string => {
  const parts = ['CREATE_REPLICATION_SLOT', slotIdentifier(name)];
  if (options.temporary === true) parts.push('TEMPORARY');
  parts.push('PHYSICAL');
  if (options.reserveWal === true) parts.push(serverVersionNum >= 150_000 ? '(RESERVE_WAL)' : 'RESERVE_WAL');
  return parts.join(' ');
};

/** A slot that already exists fails with PgServerError, SQLSTATE 42710. */
export async function createReplicationSlot(c: PgConnection, name: string, options: CreateSlotOptions = {}): Promise<void> {
  await c.query(createReplicationSlotCommand(c.serverVersionNum, name, options));
}

export async function dropReplicationSlot(c: PgConnection, name: string, options: { wait?: boolean } = {}): Promise<void> {
  await c.query(`DROP_REPLICATION_SLOT ${slotIdentifier(name)}${options.wait === true ? ' WAIT' : ''}`);
}

/** SHOW x, on a walsender or a normal connection: "16MB", "0700", ... */
export async function showSetting(c: PgConnection, name: string): Promise<string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new ValidationError('invalid-setting-name', `Cannot show setting ${JSON.stringify(name)}: not a setting name`);
  }
  const [value] = oneRow(await c.query(`SHOW ${name}`), 'SHOW', 1);
  if (value === null || value === undefined) throw new ProtocolError(`Cannot run SHOW ${name}: the server returned NULL`);
  return value;
}

export interface StartReplicationOptions {
  readonly slot?: string;
  readonly lsn: bigint;
  readonly timeline?: number;
}

export const startReplicationCommand = (options: StartReplicationOptions): string => {
  const parts = ['START_REPLICATION'];
  if (options.slot !== undefined) parts.push('SLOT', slotIdentifier(options.slot));
  parts.push('PHYSICAL', formatLsn(options.lsn));
  if (options.timeline !== undefined) {
    checkTimeline(options.timeline);
    parts.push('TIMELINE', String(options.timeline));
  }
  return parts.join(' ');
};
