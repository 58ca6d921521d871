import { ConninfoError, ConninfoErrorCode, quotableValue } from './conninfo-error.js';

const invalidValue = (keyword: string, value: string, hint?: string): ConninfoError =>
  new ConninfoError(
    ConninfoErrorCode.invalidValue,
    `invalid ${keyword} value: ${quotableValue(keyword, value)}`,
    keyword,
    hint === undefined ? {} : { hint },
  );

/**
 * libpq's parse_int_param: an optionally signed decimal integer that fits in a C int,
 * surrounded by any amount of white space.
 */
export const parseIntParam = (keyword: string, value: string): number => {
  const match = /^\s*([+-]?\d+)\s*$/.exec(value);
  const parsed = match === null ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(parsed) || parsed > 2147483647 || parsed < -2147483648) {
    throw new ConninfoError(
      ConninfoErrorCode.invalidValue,
      `invalid integer value ${quotableValue(keyword, value)} for connection option "${keyword}"`,
      keyword,
    );
  }
  return parsed;
};

export const parsePort = (value: string): number => {
  const port = parseIntParam('port', value);
  if (port < 1 || port > 65535) {
    throw new ConninfoError(ConninfoErrorCode.invalidValue, `invalid port number: "${value}"`, 'port');
  }
  return port;
};

export const oneOf = <T extends string>(keyword: string, value: string, allowed: readonly T[]): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidValue(keyword, value, `Use one of: ${allowed.join(', ')}.`);
};

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];
export const CHANNEL_BINDINGS = ['disable', 'prefer', 'require'] as const;
export type ChannelBinding = (typeof CHANNEL_BINDINGS)[number];
export const TARGET_SESSION_ATTRS = [
  'any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby',
] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export const SSL_NEGOTIATIONS = ['postgres', 'direct'] as const;
export type SslNegotiation = (typeof SSL_NEGOTIATIONS)[number];
export const SSL_CERT_MODES = ['disable', 'allow', 'require'] as const;
export type SslCertMode = (typeof SSL_CERT_MODES)[number];
export const LOAD_BALANCE_HOSTS = ['disable', 'random'] as const;
export type LoadBalanceHosts = (typeof LOAD_BALANCE_HOSTS)[number];

const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/** The checks libpq makes in connectOptions2 and at connect time, made up front. */
export const validateParams = (params: Readonly<Record<string, string>>): void => {
  const given = (k: string): string | undefined => params[k];
  const gss = given('gssencmode');
  if (gss !== undefined) {
    oneOf('gssencmode', gss, ['disable', 'prefer', 'require']);
    if (gss === 'require') {
      throw new ConninfoError(
        ConninfoErrorCode.invalidValue,
        'gssencmode value "require" invalid when GSSAPI support is not compiled in',
        'gssencmode',
      );
    }
  }
  const certMode = given('sslcertmode');
  if (certMode !== undefined && oneOf('sslcertmode', certMode, SSL_CERT_MODES) === 'require') {
    // libpq's words for a build without OpenSSL's certificate callback: node:tls has none
    // either, so whether the server asked for a certificate cannot be known.
    throw new ConninfoError(
      ConninfoErrorCode.invalidValue,
      'sslcertmode value "require" is not supported (this client cannot tell whether the server asked for a certificate)',
      'sslcertmode',
    );
  }
  const min = given('ssl_min_protocol_version');
  const max = given('ssl_max_protocol_version');
  if (min !== undefined && min !== '') oneOf('ssl_min_protocol_version', min, TLS_VERSIONS);
  if (max !== undefined && max !== '') oneOf('ssl_max_protocol_version', max, TLS_VERSIONS);
  if (min && max && TLS_VERSIONS.indexOf(min as never) > TLS_VERSIONS.indexOf(max as never)) {
    throw new ConninfoError(
      ConninfoErrorCode.invalidValue,
      'invalid SSL protocol version range',
      'ssl_min_protocol_version',
    );
  }
  for (const k of ['keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count',
    'tcp_user_timeout', 'connect_timeout']) {
    const v = given(k);
    if (v !== undefined) parseIntParam(k, v);
  }
};
