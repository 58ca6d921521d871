/**
 * Every connection keyword libpq 15 accepts, and those libpq 16 and 17 added, with the
 * environment variable that supplies it and the default a Debian libpq build would use.
 * Keywords we accept but do not act on (GSSAPI, CRLs, keepalives, ...) are still accepted so
 * that any string libpq takes is taken here, and they are kept in `params` so that
 * `basebackup -R` can pass them on.
 */
export interface KeywordSpec {
  readonly keyword: string;
  readonly envVar?: string;
  /** libpq's compiled-in default; keywords without one stay unset. */
  readonly fallback?: string;
  /**
   * The PostgreSQL release (server_version_num) whose libpq first accepts the keyword; unset
   * for those every supported release knows. An older libpq refuses a conninfo naming it.
   */
  readonly since?: number;
}

const spec = (keyword: string, envVar?: string, fallback?: string, since?: number): KeywordSpec => ({
  keyword,
  ...(envVar === undefined ? {} : { envVar }),
  ...(fallback === undefined ? {} : { fallback }),
  ...(since === undefined ? {} : { since }),
});

export const CONNECTION_KEYWORDS: readonly KeywordSpec[] = [
  spec('service', 'PGSERVICE'),
  spec('user', 'PGUSER'),
  spec('password', 'PGPASSWORD'),
  spec('passfile', 'PGPASSFILE'),
  spec('channel_binding', 'PGCHANNELBINDING', 'prefer'),
  // libpq 16: the authentication methods the server may ask for.
  spec('require_auth', 'PGREQUIREAUTH', undefined, 160000),
  spec('connect_timeout', 'PGCONNECT_TIMEOUT'),
  spec('dbname', 'PGDATABASE'),
  spec('host', 'PGHOST'),
  spec('hostaddr', 'PGHOSTADDR'),
  spec('port', 'PGPORT', '5432'),
  spec('client_encoding', 'PGCLIENTENCODING'),
  spec('options', 'PGOPTIONS'),
  spec('application_name', 'PGAPPNAME'),
  spec('fallback_application_name'),
  spec('keepalives'),
  spec('keepalives_idle'),
  spec('keepalives_interval'),
  spec('keepalives_count'),
  spec('tcp_user_timeout'),
  spec('sslmode', 'PGSSLMODE', 'prefer'),
  // libpq 17: TLS at once (ALPN "postgresql") instead of an SSLRequest first.
  spec('sslnegotiation', 'PGSSLNEGOTIATION', 'postgres', 170000),
  spec('sslcompression', 'PGSSLCOMPRESSION', '0'),
  spec('sslcert', 'PGSSLCERT'),
  spec('sslkey', 'PGSSLKEY'),
  // libpq 16: whether a client certificate is sent (disable, allow) or must be asked for.
  spec('sslcertmode', 'PGSSLCERTMODE', 'allow', 160000),
  spec('sslpassword'),
  spec('sslrootcert', 'PGSSLROOTCERT'),
  spec('sslcrl', 'PGSSLCRL'),
  spec('sslcrldir', 'PGSSLCRLDIR'),
  spec('sslsni', 'PGSSLSNI', '1'),
  spec('requirepeer', 'PGREQUIREPEER'),
  spec('ssl_min_protocol_version', 'PGSSLMINPROTOCOLVERSION', 'TLSv1.2'),
  spec('ssl_max_protocol_version', 'PGSSLMAXPROTOCOLVERSION'),
  // No GSSAPI in this client, so libpq's non-GSS default applies.
  spec('gssencmode', 'PGGSSENCMODE', 'disable'),
  spec('krbsrvname', 'PGKRBSRVNAME', 'postgres'),
  spec('gsslib', 'PGGSSLIB'),
  // libpq 16; with no GSSAPI here, nothing is ever delegated.
  spec('gssdelegation', 'PGGSSDELEGATION', '0', 160000),
  spec('replication'),
  spec('target_session_attrs', 'PGTARGETSESSIONATTRS', 'any'),
  // libpq 16: try the hosts (and each host's addresses) in random order.
  spec('load_balance_hosts', 'PGLOADBALANCEHOSTS', 'disable', 160000),
];

const BY_NAME: ReadonlyMap<string, KeywordSpec> = new Map(
  CONNECTION_KEYWORDS.map((k) => [k.keyword, k]),
);

export const isConnectionKeyword = (keyword: string): boolean => BY_NAME.has(keyword);
