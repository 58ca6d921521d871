import type { PgCluster } from './cluster.js';
import { lsnFromText, lsnToText } from './lsn.js';
import { waitFor } from './wait.js';

export interface WalRange {
  /** pg_current_wal_insert_lsn() before, pg_current_wal_flush_lsn() after. */
  readonly start: bigint;
  readonly end: bigint;
  readonly startText: string;
  readonly endText: string;
}

const ROW_BYTES = 1984; // below the TOAST threshold: stored (and WAL-logged) uncompressed
const MESSAGE_BYTES = 256 * 1024;

/**
 * Writes roughly `bytes` of WAL (a little more: record headers) and returns the range, flushed.
 * 'rows' inserts wide rows of random-looking text into ws_harness_wal (realistic heap records,
 * compresses like real data); 'message' uses pg_logical_emit_message (no table growth).
 */
export async function generateWal(cluster: PgCluster, bytes: number, options: { method?: 'rows' | 'message' } = {}): Promise<WalRange> {
  const method = options.method ?? 'rows';
  const setup = method === 'rows' ? 'CREATE TABLE IF NOT EXISTS ws_harness_wal (id bigserial, filler text);\nALTER TABLE ws_harness_wal ALTER COLUMN filler SET STORAGE EXTERNAL;\n' : '';
  const start = lsnFromText(await cluster.sql(`${setup}SELECT pg_current_wal_insert_lsn();`));
  // Record overheads differ between majors, so write in batches until the insert position moved far enough.
  for (let written = 0n; written < BigInt(bytes); ) {
    const remaining = Number(BigInt(bytes) - written);
    const batch =
      method === 'rows'
        ? `INSERT INTO ws_harness_wal (filler) SELECT string_agg(md5(random()::text || g::text || r::text), '')
             FROM generate_series(1, ${Math.max(1, Math.ceil(remaining / (ROW_BYTES + 80)))}) AS g,
                  generate_series(1, ${ROW_BYTES / 32}) AS r GROUP BY g;`
        : `SELECT count(pg_logical_emit_message(false, 'ws-harness', repeat(md5(g::text), ${MESSAGE_BYTES / 32})))
             FROM generate_series(1, ${Math.max(1, Math.ceil(remaining / MESSAGE_BYTES))}) AS g \\g /dev/null`;
    const now = lsnFromText(await cluster.sql(`${batch}\nSELECT pg_current_wal_insert_lsn();`));
    written = now - start;
  }
  // A transaction that wrote WAL commits synchronously, flushing everything before it: the
  // range is then durable and visible to walsenders. (txid_current() alone would not flush.)
  const end = lsnFromText(
    await cluster.sql("SELECT pg_logical_emit_message(true, 'ws-harness', 'flush') \\g /dev/null\nSELECT pg_current_wal_flush_lsn();"),
  );
  return { start, end, startText: lsnToText(start), endText: lsnToText(end) };
}

/**
 * Forces a switch to a new WAL segment (writing a record first, so the switch is never a
 * no-op) and returns the switch record's LSN and the name of the segment it completed.
 */
export async function switchWal(cluster: PgCluster): Promise<{ lsn: bigint; segment: string }> {
  await cluster.sql('SELECT txid_current() \\g /dev/null');
  const rows = await cluster.sqlRows('SELECT lsn, pg_walfile_name(lsn) FROM (SELECT pg_switch_wal() AS lsn) AS s');
  const [lsn, segment] = rows[0] ?? [];
  if (lsn == null || segment == null) throw new Error(`Cannot switch WAL on ${cluster.name}: no result`);
  return { lsn: lsnFromText(lsn), segment };
}

/** Waits until a standby has replayed up to `lsn` (bigint or "X/X"). */
export async function waitForReplay(standby: PgCluster, lsn: bigint | string, timeoutMs = 60_000): Promise<void> {
  const target = typeof lsn === 'string' ? lsnFromText(lsn) : lsn;
  await waitFor(
    async () => {
      const replayed = await standby.sql('SELECT pg_last_wal_replay_lsn()');
      return replayed !== '' && lsnFromText(replayed) >= target;
    },
    { timeoutMs, description: `${standby.name} to replay ${lsnToText(target)}` },
  );
}
