import { ConninfoError, ConninfoErrorCode } from './conninfo-error.js';
import { type ConnectionProbe, homeDirectory, systemProbe } from './environment-probe.js';
import { CONNECTION_KEYWORDS, isConnectionKeyword } from './keywords.js';
import { parseConnString } from './parse.js';
import { type AuthRequirement, parseRequireAuth } from './require-auth.js';
import { lookupService } from './service-file.js';
import { startupParametersFor } from './startup-parameters.js';
import { type ConnectionTarget, buildTargets } from './targets.js';
import {
  CHANNEL_BINDINGS, type ChannelBinding, LOAD_BALANCE_HOSTS, type LoadBalanceHosts, SSL_CERT_MODES, SSL_MODES,
  SSL_NEGOTIATIONS, type SslCertMode, type SslMode, type SslNegotiation, TARGET_SESSION_ATTRS,
  type TargetSessionAttrs, oneOf, parseIntParam, validateParams,
} from './validate-values.js';

export type { ConnectionTarget } from './targets.js';
export type { ConnectionProbe } from './environment-probe.js';

export interface ConnectionRequest {
  /** The -d value: a keyword=value string or a URI. */
  readonly connString?: string;
  /** From -h -p -U etc., as libpq keywords. Empty values are ignored, as libpq's tools do. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Startup parameter `replication`; 'true' also makes the database `replication`. */
  readonly replication?: 'true' | 'database';
  /** The tool's name, sent when no application_name is given. */
  readonly fallbackApplicationName?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Machine facts (sockets, OS user, home); the real machine when absent. */
  readonly probe?: ConnectionProbe;
}

/** Where a keyword's value came from, highest precedence first. */
export type ParamSource = 'override' | 'connstring' | 'service' | 'env' | 'default';

export interface ResolvedConnection {
  readonly targets: readonly ConnectionTarget[];
  readonly user: string;
  /** Sent as `database`; `replication` for physical replication (the pg_hba keyword). */
  readonly database: string;
  /** From the string, the overrides or PGPASSWORD; .pgpass is looked up per target. */
  readonly password?: string;
  /** PGPASSFILE / passfile, else ~/.pgpass. */
  readonly passfile: string;
  readonly sslmode: SslMode;
  /** `direct`: the TLS handshake at once, without an SSLRequest (PostgreSQL 17 servers). */
  readonly sslnegotiation: SslNegotiation;
  /** `disable`: never send a client certificate, even one that is configured. */
  readonly sslcertmode: SslCertMode;
  readonly sslrootcert?: string;
  readonly sslcert?: string;
  readonly sslkey?: string;
  readonly sslpassword?: string;
  /** connect_timeout in ms: at least 2 s; undefined = wait forever (0, negative or unset). */
  readonly connectTimeoutMs?: number;
  readonly channelBinding: ChannelBinding;
  /** require_auth: what the server may ask for; undefined = anything. */
  readonly requireAuth?: AuthRequirement;
  readonly targetSessionAttrs: TargetSessionAttrs;
  /** `random`: the targets are tried in a new random order at every connect. */
  readonly loadBalanceHosts: LoadBalanceHosts;
  /** Exactly what the StartupMessage carries, in libpq's order. */
  readonly startupParameters: Readonly<Record<string, string>>;
  /** Every keyword with a non-empty value after resolution, like libpq's PQconninfo. */
  readonly params: Readonly<Record<string, string>>;
  /** The origin of each entry of `params`: `default` ones were never given by the user. */
  readonly sources: Readonly<Record<string, ParamSource>>;
}

const nonEmpty = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

const nonEmptyEntries = (record: Readonly<Record<string, string>> | undefined): [string, string][] =>
  Object.entries(record ?? {}).filter(([, v]) => v !== '');

/**
 * Resolves libpq's precedence: explicit overrides > connection string > service file
 * (service= or PGSERVICE) > PG* environment > defaults. Empty values count as absent at every level (what pg_basebackup and
 * pg_receivewal do when they merge their -d string with -h -p -U).
 */
export function resolveConnection(request: ConnectionRequest): ResolvedConnection {
  const probe = request.probe ?? systemProbe;
  const { env } = request;
  const home = homeDirectory(env, probe);
  const { params, sources } = collectParams(request, probe, home);
  const user = params['user'] as string;
  const sslmode = oneOf('sslmode', params['sslmode'] as string, SSL_MODES);
  const channelBinding = oneOf('channel_binding', params['channel_binding'] as string, CHANNEL_BINDINGS);
  const requireAuth = parseRequireAuth(params['require_auth']);
  const targetSessionAttrs = oneOf(
    'target_session_attrs', params['target_session_attrs'] as string, TARGET_SESSION_ATTRS,
  );
  const sslnegotiation = oneOf('sslnegotiation', params['sslnegotiation'] as string, SSL_NEGOTIATIONS);
  // libpq refuses this too: against an older server, a mode that may fall back would
  // authenticate in plaintext after a failed direct handshake.
  if (sslnegotiation === 'direct' && (sslmode === 'disable' || sslmode === 'allow' || sslmode === 'prefer')) {
    throw new ConninfoError(
      ConninfoErrorCode.invalidValue,
      `weak sslmode "${sslmode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`,
      'sslnegotiation',
    );
  }
  const loadBalanceHosts = oneOf('load_balance_hosts', params['load_balance_hosts'] as string, LOAD_BALANCE_HOSTS);
  validateParams(params);
  const sslcertmode = oneOf('sslcertmode', params['sslcertmode'] as string, SSL_CERT_MODES);
  const targets = buildTargets(params['host'], params['hostaddr'], params['port'], probe);
  const optional = optionalSettings(params, home, probe);
  return {
    targets,
    user,
    database: params['dbname'] as string,
    passfile: params['passfile'] ?? '',
    sslmode,
    sslnegotiation,
    sslcertmode,
    channelBinding,
    ...(requireAuth === undefined ? {} : { requireAuth }),
    targetSessionAttrs,
    loadBalanceHosts,
    ...optional,
    startupParameters: startupParametersFor(params, env),
    params,
    sources,
  };
}

/** Every keyword's value and where it came from, level by level as libpq takes them. */
const collectParams = (
  request: ConnectionRequest,
  probe: ConnectionProbe,
  home: string | undefined,
): { params: Record<string, string>; sources: Record<string, ParamSource> } => {
  const { env } = request;
  const params: Record<string, string> = {};
  const sources: Record<string, ParamSource> = {};
  const set = (k: string, v: string, source: ParamSource): void => {
    params[k] = v;
    sources[k] = source;
  };
  const fromString = request.connString === undefined ? {} : parseConnString(request.connString);
  if (request.replication === 'true') delete fromString['dbname'];
  for (const [k, v] of nonEmptyEntries(fromString)) set(k, v, 'connstring');
  for (const [k, v] of nonEmptyEntries(request.overrides)) {
    if (!isConnectionKeyword(k)) {
      throw new ConninfoError(ConninfoErrorCode.unknownKeyword, `invalid connection option "${k}"`, k);
    }
    set(k, v, 'override');
  }
  if (request.replication !== undefined) set('replication', request.replication, 'override');
  if (request.fallbackApplicationName !== undefined && request.fallbackApplicationName !== '') {
    set('fallback_application_name', request.fallbackApplicationName, 'override');
  }
  const service = params['service'] ?? nonEmpty(env['PGSERVICE']);
  if (service !== undefined) {
    for (const [k, v] of nonEmptyEntries(lookupService(service, env, home))) {
      if (params[k] === undefined && !(k === 'dbname' && request.replication === 'true')) set(k, v, 'service');
    }
  }
  for (const spec of CONNECTION_KEYWORDS) {
    const envValue = spec.envVar === undefined ? undefined : nonEmpty(env[spec.envVar]);
    if (params[spec.keyword] === undefined && envValue !== undefined) set(spec.keyword, envValue, 'env');
  }
  if (params['sslmode'] === undefined && env['PGREQUIRESSL']?.startsWith('1')) {
    set('sslmode', 'require', 'env');
  }
  for (const spec of CONNECTION_KEYWORDS) {
    if (params[spec.keyword] === undefined && spec.fallback !== undefined) {
      set(spec.keyword, spec.fallback, 'default');
    }
  }
  if (params['user'] === undefined) set('user', osUserName(probe), 'default');
  const user = params['user'] as string;
  if (request.replication === 'true') set('dbname', 'replication', 'override');
  else if (params['dbname'] === undefined) set('dbname', user, 'default');
  if (params['password'] === undefined && params['passfile'] === undefined && home !== undefined) {
    set('passfile', `${home}/.pgpass`, 'default');
  }
  return { params, sources };
};

const osUserName = (probe: ConnectionProbe): string => {
  const osUser = probe.osUserName();
  if (osUser === undefined || osUser === '') {
    throw new ConninfoError(
      ConninfoErrorCode.unknownUser,
      'Cannot determine the user name: the OS user has no name',
      'user',
      { hint: 'Give one with -U, PGUSER or user= in the connection string.' },
    );
  }
  return osUser;
};

type OptionalSettings = {
  -readonly [K in 'password' | 'sslrootcert' | 'sslcert' | 'sslkey' | 'sslpassword' | 'connectTimeoutMs']?: ResolvedConnection[K];
};

/** The password, the TLS files (given, or libpq's defaults under ~/.postgresql), the timeout. */
const optionalSettings = (params: Readonly<Record<string, string>>, home: string | undefined, probe: ConnectionProbe): OptionalSettings => {
  const optional: OptionalSettings = {};
  if (params['password'] !== undefined) optional.password = params['password'];
  if (params['sslpassword'] !== undefined) optional.sslpassword = params['sslpassword'];
  const certFile = (keyword: 'sslrootcert' | 'sslcert' | 'sslkey', name: string): void => {
    const given = params[keyword];
    if (given !== undefined) optional[keyword] = given;
    else if (home !== undefined && probe.fileExists(`${home}/.postgresql/${name}`)) {
      optional[keyword] = `${home}/.postgresql/${name}`;
    }
  };
  certFile('sslrootcert', 'root.crt');
  certFile('sslcert', 'postgresql.crt');
  certFile('sslkey', 'postgresql.key');
  if (params['connect_timeout'] !== undefined) {
    const seconds = parseIntParam('connect_timeout', params['connect_timeout']);
    // libpq: rounding could make a 1 s timeout fire almost at once, so at least 2 s.
    if (seconds > 0) optional.connectTimeoutMs = Math.max(seconds, 2) * 1000;
  }
  return optional;
};
