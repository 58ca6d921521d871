import type { TlsFixtures } from './tls.js';

export const AUTH_METHODS = ['trust', 'password', 'md5', 'scram-sha-256', 'cert'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface ClusterUser {
  readonly name: string;
  /** Never logged: set through psql's stdin with statement logging off for that session. */
  readonly password: string;
  readonly superuser?: boolean;
  readonly replication?: boolean;
  /** How the password is stored (startCluster: md5 when an auth method is md5, else scram-sha-256). */
  readonly passwordEncryption?: 'md5' | 'scram-sha-256';
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface ArchiveSettings {
  /** archive_mode: 'on' archives on a primary, 'always' on a standby too. */
  readonly mode?: 'on' | 'always';
  /** archive_command, run by the server user (`%p`, `%f` as usual). */
  readonly command: string;
  /** archive_timeout in seconds (0 = off). */
  readonly timeoutSeconds?: number;
}

export interface TlsSettings {
  /** pg_hba `hostssl` instead of `host` for the TCP lines: plain TCP is refused. */
  readonly hostssl?: boolean;
  /** pg_hba `clientcert=`: the client must present a certificate signed by the test CA. */
  readonly clientCert?: 'verify-ca' | 'verify-full';
}

/** Everything that shapes a cluster's postgresql.conf and pg_hba.conf, resolved. */
export interface ClusterSettings {
  readonly port: number;
  readonly socketDir: string;
  readonly localAuth: AuthMethod;
  readonly hostAuth: AuthMethod;
  readonly replication: boolean;
  readonly tls: (TlsSettings & { readonly fixtures: TlsFixtures }) | undefined;
  readonly fsync: boolean;
  readonly archive: ArchiveSettings | undefined;
  /** Recovery settings of a standby (primary_conninfo, restore_command...), already rendered. */
  readonly recovery: readonly string[];
  /** Caller's lines, last so they win. */
  readonly conf: readonly string[];
}

export function quoteConfValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The harness's own settings, kept in `harness.conf` (included from postgresql.conf). */
export function renderHarnessConf(s: ClusterSettings): string {
  const lines = [
    '# Written by the warmstandby test harness; rewritten on every start.',
    `listen_addresses = '127.0.0.1'`,
    `port = ${s.port}`,
    `unix_socket_directories = ${quoteConfValue(s.socketDir)}`,
    // Small and quiet: many clusters share two cores during a test run.
    `shared_buffers = '16MB'`,
    'max_connections = 40',
    'autovacuum = off',
    `max_wal_size = '256MB'`,
    `fsync = ${s.fsync ? 'on' : 'off'}`,
    `wal_level = replica`,
    `max_wal_senders = ${s.replication ? 10 : 0}`,
    `max_replication_slots = ${s.replication ? 10 : 0}`,
    `wal_keep_size = '${s.replication ? 64 : 0}MB'`,
    'hot_standby = on',
    // Retry a failed restore_command / lost upstream after 200 ms instead of 5 s.
    `wal_retrieve_retry_interval = '200ms'`,
    `log_line_prefix = '%m [%p] %q%u@%d '`,
    'log_connections = on',
    `lc_messages = 'C'`,
  ];
  if (s.tls !== undefined) {
    lines.push(
      'ssl = on',
      `ssl_cert_file = ${quoteConfValue(s.tls.fixtures.serverCert)}`,
      `ssl_key_file = ${quoteConfValue(s.tls.fixtures.serverKey)}`,
      `ssl_ca_file = ${quoteConfValue(s.tls.fixtures.caCert)}`,
    );
  }
  if (s.archive !== undefined) {
    lines.push(
      `archive_mode = ${s.archive.mode ?? 'on'}`,
      `archive_command = ${quoteConfValue(s.archive.command)}`,
      `archive_timeout = ${s.archive.timeoutSeconds ?? 0}`,
    );
  }
  lines.push(...s.recovery, ...s.conf);
  return `${lines.join('\n')}\n`;
}

/** pg_hba.conf lines for the chosen methods: unix socket and 127.0.0.1, replication included. */
export function renderHba(s: ClusterSettings): string[] {
  const hostType = s.tls?.hostssl === true || s.hostAuth === 'cert' ? 'hostssl' : 'host';
  const clientCert = s.tls?.clientCert !== undefined && s.hostAuth !== 'cert' ? ` clientcert=${s.tls.clientCert}` : '';
  const databases = s.replication ? ['all', 'replication'] : ['all'];
  const lines: string[] = [];
  for (const db of databases) lines.push(`local ${db} all ${s.localAuth}`);
  for (const db of databases) lines.push(`${hostType} ${db} all 127.0.0.1/32 ${s.hostAuth}${clientCert}`);
  return lines;
}

/** Checks combinations PostgreSQL would only reject at start, with a clearer message. */
export function validateSettings(s: ClusterSettings): void {
  if (s.localAuth === 'cert') throw new Error('Cannot use cert authentication on the unix socket: it needs TLS');
  if (s.hostAuth === 'cert' && s.tls === undefined) throw new Error('Cannot use cert authentication without tls: true');
}
