import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PgCluster } from './cluster.js';
import { validateSettings } from './cluster-config.js';
import type { ArchiveSettings, AuthMethod, ClusterSettings, ClusterUser, TlsSettings } from './cluster-config.js';
import { findFreePort } from './ports.js';
import { requirePg } from './require-pg.js';
import { baseEnv, runChecked } from './run-process.js';
import { chownToServerUser } from './server-user.js';
import { makeTempDir } from './temp-dirs.js';
import { tlsFixtures } from './tls.js';

export interface StartClusterOptions {
  /** Label for directories, error messages and application_name. */
  readonly name?: string;
  /** One method for both, or per transport; default trust. 'cert' needs tls. */
  readonly auth?: AuthMethod | { readonly local?: AuthMethod; readonly host?: AuthMethod };
  /** A login role with a password besides the superuser `postgres`. */
  readonly user?: ClusterUser;
  /** Replication connections allowed (pg_hba lines, wal senders, slots, wal_keep_size). Default true. */
  readonly replication?: boolean;
  /** TLS with the harness's test CA (see tlsFixtures()). */
  readonly tls?: boolean | TlsSettings;
  /** initdb --wal-segsize (a power of two from 1 to 1024). */
  readonly walSegmentSizeMB?: number;
  readonly archive?: ArchiveSettings;
  /** Extra postgresql.conf lines, applied last. */
  readonly conf?: readonly string[];
  readonly dataChecksums?: boolean;
  /** fsync=off is only for clusters whose durability is not under test. Default on. */
  readonly fsync?: boolean;
  /** Default true; false leaves an initialised, stopped cluster (call start()). */
  readonly start?: boolean;
}

function authMethods(auth: StartClusterOptions['auth']): { local: AuthMethod; host: AuthMethod } {
  if (auth === undefined) return { local: 'trust', host: 'trust' };
  if (typeof auth === 'string') return { local: auth === 'cert' ? 'trust' : auth, host: auth };
  return { local: auth.local ?? 'trust', host: auth.host ?? 'trust' };
}

/** Creates (initdb) and starts a throw-away cluster; destroy() it when done. */
export async function startCluster(major: number, options: StartClusterOptions = {}): Promise<PgCluster> {
  const binaries = requirePg(major);
  const name = options.name ?? `pg${major}-primary`;
  const methods = authMethods(options.auth);
  const tlsOption = options.tls === true ? {} : options.tls === false ? undefined : options.tls;
  const baseDir = makeTempDir(`ws-pg${major}-`);
  const settings: ClusterSettings = {
    port: await findFreePort(),
    socketDir: join(baseDir, 'sock'),
    localAuth: methods.local,
    hostAuth: methods.host,
    replication: options.replication ?? true,
    tls: tlsOption === undefined ? undefined : { ...tlsOption, fixtures: await tlsFixtures() },
    fsync: options.fsync ?? true,
    archive: options.archive,
    recovery: [],
    conf: options.conf ?? [],
  };
  validateSettings(settings);
  const superuserPassword = randomBytes(18).toString('base64url');
  const walSegmentSizeMB = options.walSegmentSizeMB ?? 16;
  try {
    await mkdir(settings.socketDir);
    const pwfile = join(baseDir, 'initdb.pw');
    await writeFile(pwfile, `${superuserPassword}\n`, { mode: 0o600 });
    await chownToServerUser(baseDir);
    await runChecked(
      binaries.initdb,
      ['-D', join(baseDir, 'data'), '-U', 'postgres', `--pwfile=${pwfile}`, '-A', 'trust', '-E', 'UTF8', '--locale=C',
        '-N', `--wal-segsize=${walSegmentSizeMB}`, ...(options.dataChecksums === true ? ['-k'] : [])],
      { asServerUser: true, env: baseEnv(), cwd: baseDir, timeoutMs: 120_000 },
    );
    await rm(pwfile);
    // initdb's own pg_hba.conf goes: the cluster writes the harness's on start (see writeConfig).
    await rm(join(baseDir, 'data', 'pg_hba.conf'));
    await appendFile(join(baseDir, 'data', 'postgresql.conf'), "\n# Settings of the warmstandby test harness\ninclude = 'harness.conf'\n");
  } catch (error) {
    await rm(baseDir, { recursive: true, force: true });
    throw error;
  }
  const cluster = new PgCluster(
    {
      name,
      binaries,
      baseDir,
      superuserPassword,
      user: options.user === undefined ? undefined : { name: options.user.name, password: options.user.password },
      walSegmentSize: walSegmentSizeMB * 1024 * 1024,
      upstream: undefined,
    },
    settings,
  );
  if (options.start === false) {
    await cluster.writeConfig();
    return cluster;
  }
  try {
    await cluster.start();
    if (options.user !== undefined) {
      const md5 = methods.local === 'md5' || methods.host === 'md5';
      await cluster.createRole({ passwordEncryption: md5 ? 'md5' : 'scram-sha-256', ...options.user });
    }
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
