/**
 * The StartupMessage parameters libpq's build_startup_packet sends, in its order: user,
 * database, replication, options, application_name (else fallback_application_name),
 * client_encoding, then the GUCs taken from PGDATESTYLE, PGTZ and PGGEQO.
 *
 * For a physical replication connection the database is `replication`: libpq sends it too
 * and the server ignores it (it is only pg_hba.conf's keyword).
 */
export const startupParametersFor = (
  params: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
): Record<string, string> => {
  const out: Record<string, string> = {};
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') out[name] = value;
  };
  add('user', params['user']);
  add('database', params['dbname']);
  add('replication', params['replication']);
  add('options', params['options']);
  add('application_name', params['application_name'] ?? params['fallback_application_name']);
  add('client_encoding', clientEncoding(params['client_encoding'], env));
  for (const [envVar, guc] of [['PGDATESTYLE', 'datestyle'], ['PGTZ', 'timezone'], ['PGGEQO', 'geqo']] as const) {
    const value = env[envVar];
    if (value !== undefined && value.toLowerCase() !== 'default') add(guc, value);
  }
  return out;
};

/** client_encoding=auto means "what the locale uses"; we know UTF-8 locales and the C one. */
const clientEncoding = (value: string | undefined, env: NodeJS.ProcessEnv): string | undefined => {
  if (value !== 'auto') return value;
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  return /utf-?8/i.test(locale) ? 'UTF8' : 'SQL_ASCII';
};
