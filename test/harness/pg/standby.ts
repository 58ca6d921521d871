import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PgCluster } from './cluster.js';
import type { ClusterSettings } from './cluster-config.js';
import { quoteConfValue, quoteLiteral } from './cluster-config.js';
import { copyDataDirectory } from './copy-data-dir.js';
import { findFreePort } from './ports.js';
import { psqlText } from './psql.js';
import { requirePg } from './require-pg.js';
import { chownToServerUser } from './server-user.js';
import { makeTempDir } from './temp-dirs.js';
import { waitFor } from './wait.js';

export interface StartStandbyOptions {
  readonly name?: string;
  /** Stream through a physical replication slot created on the upstream (true = the standby's name). */
  readonly slot?: string | true;
  /** Stream from the upstream (default true). false: archive recovery only, needs restoreCommand. */
  readonly streaming?: boolean;
  readonly restoreCommand?: string;
  /** Extra postgresql.conf lines (after the upstream's settings). */
  readonly conf?: readonly string[];
  /** Settings that differ from the upstream's (archive, fsync, auth...). */
  readonly settings?: Partial<Omit<ClusterSettings, 'port' | 'socketDir' | 'recovery'>>;
  /** Wait until pg_stat_wal_receiver reports streaming (default true when streaming). */
  readonly waitForStreaming?: boolean;
  /** Default true; false leaves the standby created but stopped. */
  readonly start?: boolean;
}

/** Identifier-safe name for slots and application_name. */
function slotSafe(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * A standby of `upstream` (a primary, or another standby for cascading): a low-level base
 * backup (pg_backup_start / copy / pg_backup_stop, without stopping the upstream) plus
 * standby.signal and primary_conninfo, as `pg_basebackup -R` would leave it.
 */
export async function startStandby(upstream: PgCluster, options: StartStandbyOptions = {}): Promise<PgCluster> {
  const binaries = requirePg(upstream.major);
  const name = options.name ?? `${upstream.name}-standby`;
  const streaming = options.streaming ?? true;
  if (!streaming && options.restoreCommand === undefined) throw new Error('Cannot make an archive-only standby without restoreCommand');
  const slot = options.slot === true ? slotSafe(name) : options.slot;
  const baseDir = makeTempDir(`ws-pg${upstream.major}-standby-`);
  const dataDir = join(baseDir, 'data');
  await mkdir(join(baseDir, 'sock'));
  if (slot !== undefined) {
    await upstream.sql(`SELECT pg_create_physical_replication_slot(${quoteLiteral(slot)}, true)`);
  }
  await baseBackup(upstream, baseDir, dataDir, !streaming);

  const passfile = join(baseDir, 'pgpass');
  await writeFile(passfile, `*:*:*:${upstream.superuser}:${upstream.superuserPassword.replace(/([:\\])/g, '\\$1')}\n`, { mode: 0o600 });
  const recovery = [`recovery_target_timeline = 'latest'`];
  if (streaming) {
    const conninfo = `host=${upstream.host} port=${upstream.port} user=${upstream.superuser} application_name=${slotSafe(name)} passfile=${passfile} sslmode=disable`;
    recovery.push(`primary_conninfo = ${quoteConfValue(conninfo)}`);
    if (slot !== undefined) recovery.push(`primary_slot_name = ${quoteConfValue(slot)}`);
  }
  if (options.restoreCommand !== undefined) recovery.push(`restore_command = ${quoteConfValue(options.restoreCommand)}`);
  await writeFile(join(dataDir, 'standby.signal'), '');
  await chownToServerUser(baseDir);

  const standby = new PgCluster(
    {
      name,
      binaries,
      baseDir,
      superuserPassword: upstream.superuserPassword,
      user: upstream.user,
      walSegmentSize: upstream.walSegmentSize,
      upstream,
    },
    {
      ...upstream.settings,
      ...options.settings,
      port: await findFreePort(),
      socketDir: join(baseDir, 'sock'),
      recovery,
      conf: [...(options.settings?.conf ?? upstream.settings.conf), ...(options.conf ?? [])],
    },
  );
  if (options.start === false) {
    await standby.writeConfig();
    return standby;
  }
  try {
    await standby.start();
    if (streaming && options.waitForStreaming !== false) await waitForStreaming(standby);
  } catch (error) {
    await standby.destroy();
    throw error;
  }
  return standby;
}

/** Waits until the standby's WAL receiver is streaming. */
export async function waitForStreaming(standby: PgCluster, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await standby.sql('SELECT status FROM pg_stat_wal_receiver')) === 'streaming', {
    timeoutMs,
    description: `${standby.name} to stream from its upstream`,
  });
}

async function baseBackup(upstream: PgCluster, baseDir: string, dataDir: string, includeWal: boolean): Promise<void> {
  const ready = join(baseDir, 'backup-started');
  const copied = join(baseDir, 'backup-copied');
  const [start, stop] =
    upstream.major >= 15
      ? ["SELECT pg_backup_start('ws-harness', true);", 'SELECT labelfile FROM pg_backup_stop(false);']
      : ["SELECT pg_start_backup('ws-harness', true, false);", 'SELECT labelfile FROM pg_stop_backup(false, false);'];
  // The backup belongs to the psql session, so psql waits in a shell escape while this
  // process copies the files, then stops the backup in the same session.
  const script = [
    '\\o /dev/null',
    start,
    `\\! touch '${ready}' && while [ ! -e '${copied}' ]; do sleep 0.02; done`,
    '\\o',
    stop,
    '',
  ].join('\n');
  const session = psqlText(upstream.target(), script, [upstream.superuserPassword]);
  let sessionError: unknown;
  session.catch((error: unknown) => {
    sessionError = error;
  });
  await waitFor(() => existsSync(ready) || sessionError !== undefined, { timeoutMs: 120_000, description: `pg_backup_start on ${upstream.name}` });
  if (sessionError !== undefined) throw sessionError;
  try {
    await copyDataDirectory(upstream.dataDir, dataDir, { includeWal });
  } finally {
    await writeFile(copied, '');
  }
  const label = await session;
  await writeFile(join(dataDir, 'backup_label'), label.endsWith('\n') ? label : `${label}\n`);
}
