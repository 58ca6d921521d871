import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quoteIdent, quoteLiteral, renderHarnessConf, renderHba } from './cluster-config.js';
import type { ClusterSettings, ClusterUser } from './cluster-config.js';
import { forget, registerServer } from './leftovers.js';
import { findFreePort } from './ports.js';
import { conninfoString, psqlRows, psqlText, runPsql } from './psql.js';
import type { PsqlTarget } from './psql.js';
import type { FoundPg } from './require-pg.js';
import { baseEnv, runProcess } from './run-process.js';
import type { RunResult } from './run-process.js';
import { chownToServerUser } from './server-user.js';
import { removeTempDir } from './temp-dirs.js';
import type { TlsFixtures } from './tls.js';
import { lsnFromText } from './lsn.js';
import { waitFor } from './wait.js';

const HARNESS_HBA_HEADER = '# pg_hba.conf written by the warmstandby test harness';
const RELOAD_LOG_LINE = 'received SIGHUP, reloading configuration files';

/** libpq keywords → their environment variables, for clientEnv(). */
const CLIENT_ENV_NAMES: Readonly<Record<string, string>> = {
  host: 'PGHOST',
  hostaddr: 'PGHOSTADDR',
  channel_binding: 'PGCHANNELBINDING',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  passfile: 'PGPASSFILE',
};

export type StopMode = 'smart' | 'fast' | 'immediate';

/** How a test connects: the unix socket (default) or TCP to 127.0.0.1, as some role. */
export interface ConnectAs {
  readonly via?: 'socket' | 'tcp';
  /** Role name; default the superuser. */
  readonly user?: string;
  readonly dbname?: string;
  /** Extra libpq keywords: sslmode, sslrootcert, replication, application_name... */
  readonly params?: Readonly<Record<string, string>>;
}

export interface ClusterIdentity {
  readonly name: string;
  readonly binaries: FoundPg;
  readonly baseDir: string;
  readonly superuserPassword: string;
  readonly user: { readonly name: string; readonly password: string } | undefined;
  readonly walSegmentSize: number;
  readonly upstream: PgCluster | undefined;
}

/**
 * A throw-away PostgreSQL cluster run by the server user. Layout under baseDir: data/ (PGDATA),
 * sock/ (unix socket directory), server.log. Its own settings live in data/harness.conf.
 */
export class PgCluster {
  readonly name: string;
  readonly major: number;
  /** Server version as the binaries report it, e.g. "15.18". */
  readonly version: string;
  readonly binDir: string;
  readonly baseDir: string;
  readonly dataDir: string;
  /** The unix socket directory: pass it as `host` (libpq treats a leading / as a socket dir). */
  readonly host: string;
  readonly tcpHost = '127.0.0.1';
  readonly logFile: string;
  readonly walDir: string;
  readonly superuser = 'postgres';
  readonly superuserPassword: string;
  /** The extra role from `options.user`, if any. */
  readonly user: { readonly name: string; readonly password: string } | undefined;
  readonly walSegmentSize: number;
  /** The cluster a standby streams from / was copied from; undefined for a primary made by initdb. */
  readonly upstream: PgCluster | undefined;
  private settingsValue: ClusterSettings;
  private registration: string | undefined;
  private readonly binaries: FoundPg;

  constructor(identity: ClusterIdentity, settings: ClusterSettings) {
    this.name = identity.name;
    this.binaries = identity.binaries;
    this.major = identity.binaries.major;
    this.version = identity.binaries.version;
    this.binDir = identity.binaries.binDir;
    this.baseDir = identity.baseDir;
    this.dataDir = join(identity.baseDir, 'data');
    this.host = join(identity.baseDir, 'sock');
    this.logFile = join(identity.baseDir, 'server.log');
    this.walDir = join(this.dataDir, 'pg_wal');
    this.superuserPassword = identity.superuserPassword;
    this.user = identity.user;
    this.walSegmentSize = identity.walSegmentSize;
    this.upstream = identity.upstream;
    this.settingsValue = settings;
  }

  get port(): number {
    return this.settingsValue.port;
  }

  get settings(): ClusterSettings {
    return this.settingsValue;
  }

  get tls(): TlsFixtures | undefined {
    return this.settingsValue.tls?.fixtures;
  }

  get running(): boolean {
    return this.registration !== undefined;
  }

  /** psql target for the harness's own SQL: the superuser over the unix socket. */
  private adminTarget(): PsqlTarget {
    return { host: this.host, port: this.port, user: this.superuser, password: this.superuserPassword };
  }

  /** Where to connect, as a psql/libpq target (password included for the known roles). */
  target(as: ConnectAs = {}): PsqlTarget {
    const user = as.user ?? this.superuser;
    const password = user === this.superuser ? this.superuserPassword : user === this.user?.name ? this.user.password : undefined;
    return {
      host: as.via === 'tcp' ? this.tcpHost : this.host,
      port: this.port,
      user,
      ...(as.dbname === undefined ? {} : { dbname: as.dbname }),
      ...(password === undefined ? {} : { password }),
      ...(as.params === undefined ? {} : { params: as.params }),
    };
  }

  /** A libpq keyword=value string WITHOUT the password (give it through PGPASSWORD or a passfile). */
  connString(as: ConnectAs = {}): string {
    return conninfoString(this.target(as));
  }

  /**
   * PG* variables for spawning a client (our tools, pg_receivewal...) at this cluster; merge
   * them into a minimal environment (baseEnv()), not into process.env.
   */
  clientEnv(as: ConnectAs = {}): Record<string, string> {
    const target = this.target(as);
    return {
      PGHOST: target.host,
      PGPORT: String(target.port),
      PGUSER: target.user,
      PGDATABASE: target.dbname ?? 'postgres',
      ...(target.password === undefined ? {} : { PGPASSWORD: target.password }),
      ...Object.fromEntries(
        Object.entries(as.params ?? {}).flatMap(([key, value]) => (CLIENT_ENV_NAMES[key] === undefined ? [] : [[CLIENT_ENV_NAMES[key], value]])),
      ),
    };
  }

  /** Runs SQL as the superuser over the socket; returns psql -At output without the last newline. */
  sql(text: string): Promise<string> {
    return psqlText(this.adminTarget(), text, [this.superuserPassword, this.user?.password ?? '']);
  }

  /** Rows of one query, each field text or null. */
  sqlRows(text: string): Promise<(string | null)[][]> {
    return psqlRows(this.adminTarget(), text);
  }

  /** psql as anyone, any way (wrong passwords, TLS modes): the raw result, never throws on failure. */
  psql(sql: string, as: ConnectAs & { readonly password?: string } = {}): Promise<RunResult> {
    const target = this.target(as);
    const { password: _known, ...rest } = target;
    return runPsql(as.password === undefined ? target : { ...rest, password: as.password }, sql);
  }

  /**
   * Creates a login role with a password (stored as `passwordEncryption`, default
   * scram-sha-256). The password goes through psql's stdin with statement logging off for
   * that session, so it reaches neither argv nor the server log.
   */
  async createRole(user: ClusterUser): Promise<void> {
    const attributes = ['LOGIN', user.superuser === true ? 'SUPERUSER' : '', user.replication === true ? 'REPLICATION' : ''];
    await psqlText(
      this.adminTarget(),
      [
        "SET log_statement = 'none';",
        "SET log_min_error_statement = 'panic';",
        'SET log_min_duration_statement = -1;',
        `SET password_encryption = ${quoteLiteral(user.passwordEncryption ?? 'scram-sha-256')};`,
        `CREATE ROLE ${quoteIdent(user.name)} ${attributes.filter(Boolean).join(' ')} PASSWORD ${quoteLiteral(user.password)};`,
      ].join('\n'),
      [this.superuserPassword, user.password],
    );
  }

  /** pg_current_wal_lsn() on a primary, pg_last_wal_replay_lsn() on a standby. */
  async currentLsn(): Promise<bigint> {
    const text = await this.sql(
      'SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END',
    );
    return lsnFromText(text);
  }

  async isInRecovery(): Promise<boolean> {
    return (await this.sql('SELECT pg_is_in_recovery()')) === 't';
  }

  async systemIdentifier(): Promise<string> {
    return this.sql('SELECT system_identifier FROM pg_control_system()');
  }

  private pgCtl(args: readonly string[]): Promise<RunResult> {
    return runProcess(this.binaries.pgCtl, [...args, '-D', this.dataDir], {
      asServerUser: true,
      env: baseEnv(),
      timeoutMs: 120_000,
    });
  }

  private async pgCtlChecked(args: readonly string[]): Promise<void> {
    const result = await this.pgCtl(args);
    if (result.code !== 0) {
      throw new Error(`pg_ctl ${args[0]} failed for ${this.name}: ${result.stderr.trim()}\n${await this.logTail()}`);
    }
  }

  /** The last lines of the server log, for error messages. */
  async logTail(lines = 30): Promise<string> {
    try {
      return (await readFile(this.logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  async readLog(): Promise<string> {
    return readFile(this.logFile, 'utf8');
  }

  /** Rewrites harness.conf and pg_hba.conf from the settings (done before every start). */
  async writeConfig(): Promise<void> {
    await writeFile(join(this.dataDir, 'harness.conf'), renderHarnessConf(this.settingsValue));
    const hbaPath = join(this.dataDir, 'pg_hba.conf');
    // A pg_hba.conf replaced by setHba() stays until resetHba().
    if (!existsSync(hbaPath) || readFileSync(hbaPath, 'utf8').startsWith(HARNESS_HBA_HEADER)) {
      await writeFile(hbaPath, `${HARNESS_HBA_HEADER}\n${renderHba(this.settingsValue).join('\n')}\n`);
    }
    await chownToServerUser(join(this.dataDir, 'harness.conf'));
    await chownToServerUser(hbaPath);
  }

  /** Starts the server and waits until it accepts connections; retries on a port taken meanwhile. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`Cannot start ${this.name}: it is already running`);
    for (let attempt = 1; ; attempt += 1) {
      await this.writeConfig();
      const logStart = existsSync(this.logFile) ? readFileSync(this.logFile).length : 0;
      const result = await this.pgCtl(['start', '-w', '-t', '120', '-s', '-l', this.logFile]);
      if (result.code === 0) break;
      const log = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').slice(logStart) : '';
      if (attempt < 5 && /could not bind|Address already in use|could not create any TCP\/IP sockets/.test(log)) {
        this.settingsValue = { ...this.settingsValue, port: await findFreePort() };
        continue;
      }
      throw new Error(`Cannot start ${this.name} (PostgreSQL ${this.version}): ${result.stderr.trim()}\n${log.trimEnd()}`);
    }
    const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    this.registration = registerServer(pid, this.dataDir, this.baseDir);
  }

  async stop(mode: StopMode = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.pgCtlChecked(['stop', '-w', '-t', '120', '-s', '-m', mode]);
    this.forget();
  }

  private forget(): void {
    if (this.registration !== undefined) forget(this.registration);
    this.registration = undefined;
  }

  async restart(mode: StopMode = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Re-reads the configuration files (pg_ctl reload) and waits until the postmaster has. */
  async reload(): Promise<void> {
    const before = await this.countLogLines(RELOAD_LOG_LINE);
    await this.pgCtlChecked(['reload', '-s']);
    // SIGHUP is processed asynchronously; new connections see the new pg_hba.conf only after
    // the postmaster logged that it reloaded.
    await waitFor(async () => (await this.countLogLines(RELOAD_LOG_LINE)) > before, {
      timeoutMs: 30_000,
      description: `${this.name} to reload its configuration`,
    });
  }

  private async countLogLines(fragment: string): Promise<number> {
    try {
      return (await readFile(this.logFile, 'utf8')).split(fragment).length - 1;
    } catch {
      return 0;
    }
  }

  /** pg_ctl promote -w: returns once the server left recovery. */
  async promote(): Promise<void> {
    await this.pgCtlChecked(['promote', '-w', '-t', '120', '-s']);
  }

  /** Appends lines to postgresql.conf (after harness.conf, so they win); reload or restart to apply. */
  async appendConf(lines: readonly string[]): Promise<void> {
    await appendFile(join(this.dataDir, 'postgresql.conf'), `${lines.join('\n')}\n`);
  }

  /** Replaces pg_hba.conf with these lines and reloads a running server. */
  async setHba(lines: readonly string[]): Promise<void> {
    const path = join(this.dataDir, 'pg_hba.conf');
    await writeFile(path, `# set by a test\n${lines.join('\n')}\n`);
    await chownToServerUser(path);
    if (this.running) await this.reload();
  }

  /** Puts the harness's pg_hba.conf back (after setHba) and reloads a running server. */
  async resetHba(): Promise<void> {
    const path = join(this.dataDir, 'pg_hba.conf');
    await writeFile(path, `${HARNESS_HBA_HEADER}\n${renderHba(this.settingsValue).join('\n')}\n`);
    await chownToServerUser(path);
    if (this.running) await this.reload();
  }

  /** Changes settings the harness owns (e.g. the archive command) and rewrites harness.conf. */
  async updateSettings(change: Partial<ClusterSettings>): Promise<void> {
    this.settingsValue = { ...this.settingsValue, ...change };
    await this.writeConfig();
  }

  /** Stops the server (immediate) and removes every file, unless WS_KEEP_TEST_DIRS=1. */
  async destroy(): Promise<void> {
    if (this.running && existsSync(join(this.dataDir, 'postmaster.pid'))) {
      const result = await this.pgCtl(['stop', '-w', '-t', '60', '-s', '-m', 'immediate']);
      if (result.code !== 0 && existsSync(join(this.dataDir, 'postmaster.pid'))) {
        throw new Error(`Cannot stop ${this.name}: ${result.stderr.trim()}`);
      }
    }
    this.forget();
    removeTempDir(this.baseDir);
  }
}
