import { describe, expect, it } from 'vitest';

import { ConninfoError } from '../../../../src/core/pg/conninfo/conninfo-error.js';
import type { ConnectionProbe } from '../../../../src/core/pg/conninfo/environment-probe.js';
import {
  type ConnectionRequest, type ResolvedConnection, resolveConnection,
} from '../../../../src/core/pg/conninfo/resolve.js';
import { targetsInConnectOrder, usesTls } from '../../../../src/core/pg/conninfo/targets.js';

/** A machine where only the listed files exist, the OS user is alice, HOME is /home/alice. */
const probeWith = (files: readonly string[] = []): ConnectionProbe => ({
  socketExists: (path) => files.includes(path),
  fileExists: (path) => files.includes(path),
  osUserName: () => 'alice',
  passwdHome: () => '/home/pw-alice',
});

const resolve = (request: Partial<ConnectionRequest> & { files?: string[] } = {}): ResolvedConnection => {
  const { files, ...rest } = request;
  return resolveConnection({ env: { HOME: '/home/alice' }, probe: probeWith(files), ...rest });
};

const rejection = (request: Partial<ConnectionRequest>): ConninfoError => {
  try {
    resolve(request);
  } catch (error) {
    expect(error).toBeInstanceOf(ConninfoError);
    return error as ConninfoError;
  }
  throw new Error('expected a ConninfoError');
};

describe('defaults', () => {
  it('uses the default socket directory (never TCP, as libpq), the OS user, dbname = user, prefer, ~/.pgpass', () => {
    const r = resolve();
    expect(r.targets).toEqual([{ host: '/var/run/postgresql', port: 5432, socketPath: '/var/run/postgresql/.s.PGSQL.5432' }]);
    expect(r.user).toBe('alice');
    expect(r.database).toBe('alice');
    expect(r.passfile).toBe('/home/alice/.pgpass');
    expect(r.sslmode).toBe('prefer');
    expect(r.channelBinding).toBe('prefer');
    expect(r.targetSessionAttrs).toBe('any');
    expect(r.password).toBeUndefined();
    expect(r.connectTimeoutMs).toBeUndefined();
    expect(r.sslrootcert).toBeUndefined();
    expect(r.startupParameters).toEqual({ user: 'alice', database: 'alice' });
  });

  it('prefers the socket in /var/run/postgresql, then /tmp, for the port in use', () => {
    const both = ['/var/run/postgresql/.s.PGSQL.5432', '/tmp/.s.PGSQL.5432'];
    expect(resolve({ files: both }).targets).toEqual([{ host: '/var/run/postgresql', port: 5432,
      socketPath: '/var/run/postgresql/.s.PGSQL.5432' }]);
    expect(resolve({ files: ['/tmp/.s.PGSQL.5432'] }).targets)
      .toEqual([{ host: '/tmp', port: 5432, socketPath: '/tmp/.s.PGSQL.5432' }]);
    // A socket for another port does not count: the first directory, where the connection
    // then fails naming the socket it looked for, as libpq's does.
    expect(resolve({ files: both, env: { PGPORT: '5433' } }).targets)
      .toEqual([{ host: '/var/run/postgresql', port: 5433, socketPath: '/var/run/postgresql/.s.PGSQL.5433' }]);
    expect(resolve({ files: ['/tmp/.s.PGSQL.5433'], env: { PGPORT: '5433' } }).targets[0]?.socketPath)
      .toBe('/tmp/.s.PGSQL.5433');
  });

  it('never uses TLS on a unix socket', () => {
    const [socket] = resolve({ connString: 'host=/tmp sslmode=require' }).targets;
    const [tcp] = resolve({ connString: 'host=db.example sslmode=require' }).targets;
    expect(socket !== undefined && usesTls(socket)).toBe(false);
    expect(tcp !== undefined && usesTls(tcp)).toBe(true);
  });

  it('finds the default client certificate files only when they exist', () => {
    const dir = '/home/alice/.postgresql';
    const r = resolve({ files: [`${dir}/root.crt`, `${dir}/postgresql.crt`, `${dir}/postgresql.key`] });
    expect([r.sslrootcert, r.sslcert, r.sslkey])
      .toEqual([`${dir}/root.crt`, `${dir}/postgresql.crt`, `${dir}/postgresql.key`]);
    expect(r.params['sslrootcert']).toBeUndefined();
    const given = resolve({ connString: 'sslrootcert=/ca.pem', files: [`${dir}/root.crt`] });
    expect(given.sslrootcert).toBe('/ca.pem');
    expect(given.sslcert).toBeUndefined();
  });

  it('takes the home directory from the passwd entry when HOME is unset or empty', () => {
    const r = resolveConnection({ env: { HOME: '' }, probe: probeWith() });
    expect(r.passfile).toBe('/home/pw-alice/.pgpass');
  });

  it('fails clearly when no user is given and the OS user has no name', () => {
    const nameless: ConnectionProbe = { ...probeWith(), osUserName: () => undefined };
    expect(() => resolveConnection({ env: {}, probe: nameless })).toThrow(/Cannot determine the user name/);
    expect(resolveConnection({ env: { PGUSER: 'bob' }, probe: nameless }).user).toBe('bob');
  });
});

describe('environment and precedence', () => {
  const env = {
    HOME: '/home/alice', PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGPASSWORD: 'envpw',
    PGPASSFILE: '/etc/pgpass', PGDATABASE: 'envdb', PGAPPNAME: 'envapp', PGSSLMODE: 'verify-full',
    PGSSLROOTCERT: '/ca', PGSSLCERT: '/crt', PGSSLKEY: '/key', PGCONNECT_TIMEOUT: '7',
    PGOPTIONS: '-c work_mem=1MB', PGCHANNELBINDING: 'require', PGTARGETSESSIONATTRS: 'read-write',
  };

  it('reads every PG* variable', () => {
    const r = resolve({ env });
    expect(r.targets).toEqual([{ host: 'envhost', port: 6000 }]);
    expect(r).toMatchObject({
      user: 'envuser', database: 'envdb', password: 'envpw', passfile: '/etc/pgpass',
      sslmode: 'verify-full', sslrootcert: '/ca', sslcert: '/crt', sslkey: '/key',
      connectTimeoutMs: 7000, channelBinding: 'require', targetSessionAttrs: 'read-write',
    });
    expect(r.startupParameters).toEqual({ user: 'envuser', database: 'envdb',
      options: '-c work_mem=1MB', application_name: 'envapp' });
    expect(r.sources['host']).toBe('env');
    expect(resolve({ env: { PGHOSTADDR: '10.1.2.3' } }).targets)
      .toEqual([{ host: '10.1.2.3', hostaddr: '10.1.2.3', port: 5432 }]);
  });

  it('ranks overrides over the string over the environment', () => {
    const r = resolve({ env, connString: 'host=strhost user=struser port=7000',
      overrides: { host: 'flaghost' } });
    expect(r.targets).toEqual([{ host: 'flaghost', port: 7000 }]);
    expect(r.user).toBe('struser');
    expect(r.database).toBe('envdb');
    expect(r.sources).toMatchObject({ host: 'override', user: 'connstring', port: 'connstring',
      dbname: 'env', sslmode: 'env', channel_binding: 'env' });
  });

  it('treats empty values as absent, as pg_basebackup and pg_receivewal do', () => {
    const r = resolve({ env: { ...env, PGUSER: '' }, connString: "host='' port=''", overrides: { user: '' } });
    expect(r.targets).toEqual([{ host: 'envhost', port: 6000 }]);
    expect(r.user).toBe('alice');
  });

  it('honours the obsolete PGREQUIRESSL only when PGSSLMODE is unset', () => {
    expect(resolve({ env: { PGREQUIRESSL: '1' } }).sslmode).toBe('require');
    expect(resolve({ env: { PGREQUIRESSL: '1', PGSSLMODE: 'disable' } }).sslmode).toBe('disable');
  });

  it('sends the GUCs libpq takes from PGDATESTYLE, PGTZ and PGGEQO unless "default"', () => {
    const r = resolve({ env: { PGDATESTYLE: 'ISO', PGTZ: 'UTC', PGGEQO: 'Default' } });
    expect(r.startupParameters).toEqual({ user: 'alice', database: 'alice', datestyle: 'ISO', timezone: 'UTC' });
  });

  it('resolves client_encoding=auto from the locale', () => {
    expect(resolve({ connString: 'client_encoding=auto', env: { LANG: 'en_US.UTF-8' } })
      .startupParameters['client_encoding']).toBe('UTF8');
    expect(resolve({ connString: 'client_encoding=auto', env: { LC_ALL: 'C' } })
      .startupParameters['client_encoding']).toBe('SQL_ASCII');
    expect(resolve({ connString: 'client_encoding=LATIN1' }).startupParameters['client_encoding']).toBe('LATIN1');
  });
});

describe('replication connections', () => {
  it('physical: database "replication" whatever else says, fallback_application_name', () => {
    const r = resolve({ replication: 'true', fallbackApplicationName: 'receivewal',
      connString: 'dbname=postgres', env: { HOME: '/h', PGDATABASE: 'x' } });
    expect(r.database).toBe('replication');
    expect(r.startupParameters).toEqual({ user: 'alice', database: 'replication',
      replication: 'true', application_name: 'receivewal' });
    expect(r.params).toMatchObject({ replication: 'true', fallback_application_name: 'receivewal' });
  });

  it('an application_name from the string or PGAPPNAME wins over the tool\'s name', () => {
    expect(resolve({ replication: 'true', fallbackApplicationName: 'receivewal',
      connString: 'application_name=standby1' }).startupParameters['application_name']).toBe('standby1');
    expect(resolve({ fallbackApplicationName: 'promote', env: { PGAPPNAME: 'ops' } })
      .startupParameters['application_name']).toBe('ops');
  });

  it('database replication keeps the database', () => {
    const r = resolve({ replication: 'database', connString: 'dbname=app' });
    expect(r.database).toBe('app');
    expect(r.startupParameters).toMatchObject({ database: 'app', replication: 'database' });
  });
});

describe('multiple hosts', () => {
  it('applies one port to every host, or pairs them', () => {
    expect(resolve({ connString: 'host=a,b port=1' }).targets)
      .toEqual([{ host: 'a', port: 1 }, { host: 'b', port: 1 }]);
    expect(resolve({ connString: 'postgresql://a:1,b:2/db' }).targets)
      .toEqual([{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
    expect(resolve({ connString: 'postgresql://a,b:2/db' }).targets)
      .toEqual([{ host: 'a', port: 5432 }, { host: 'b', port: 2 }]);
  });

  it('fills empty elements with the defaults', () => {
    expect(resolve({ connString: 'host=a,,/sock', files: ['/tmp/.s.PGSQL.5432'] }).targets).toEqual([
      { host: 'a', port: 5432 }, { host: '/tmp', port: 5432, socketPath: '/tmp/.s.PGSQL.5432' },
      { host: '/sock', port: 5432, socketPath: '/sock/.s.PGSQL.5432' }]);
  });

  it('pairs hostaddr with host', () => {
    expect(resolve({ connString: 'host=a,b hostaddr=10.0.0.1,10.0.0.2 port=5' }).targets).toEqual([
      { host: 'a', hostaddr: '10.0.0.1', port: 5 }, { host: 'b', hostaddr: '10.0.0.2', port: 5 }]);
  });

  it('rejects counts that do not match', () => {
    expect(rejection({ connString: 'host=a,b port=1,2,3' }).message)
      .toBe('could not match 3 port numbers to 2 hosts');
    expect(rejection({ connString: 'host=a hostaddr=10.0.0.1,10.0.0.2' }).message)
      .toBe('could not match 1 host names to 2 hostaddr values');
  });

  it('maps an abstract socket name to a NUL-prefixed path', () => {
    expect(resolve({ connString: 'host=@pg' }).targets[0]?.socketPath).toBe('\0pg/.s.PGSQL.5432');
  });
});

describe('values', () => {
  it('connect_timeout is seconds, at least 2, 0 or negative = forever', () => {
    const ms = (v: string): number | undefined => resolve({ connString: `connect_timeout='${v}'` }).connectTimeoutMs;
    expect([ms('10'), ms('1'), ms(' 3 '), ms('0'), ms('-5')]).toEqual([10000, 2000, 3000, undefined, undefined]);
  });

  it('rejects invalid values naming the keyword', () => {
    const cases: [string, string, string][] = [
      ['sslmode=foo', 'invalid sslmode value: "foo"', 'sslmode'],
      ['port=abc', 'invalid integer value "abc" for connection option "port"', 'port'],
      ['port=0', 'invalid port number: "0"', 'port'],
      ['port=65536', 'invalid port number: "65536"', 'port'],
      ['host=a,b port=1,x', 'invalid integer value "x" for connection option "port"', 'port'],
      ['connect_timeout=soon', 'invalid integer value "soon" for connection option "connect_timeout"',
        'connect_timeout'],
      ['channel_binding=maybe', 'invalid channel_binding value: "maybe"', 'channel_binding'],
      ['target_session_attrs=writer', 'invalid target_session_attrs value: "writer"', 'target_session_attrs'],
      ['gssencmode=require', 'gssencmode value "require" invalid when GSSAPI support is not compiled in',
        'gssencmode'],
      ['ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2',
        'invalid SSL protocol version range', 'ssl_min_protocol_version'],
      ['keepalives_idle=x', 'invalid integer value "x" for connection option "keepalives_idle"',
        'keepalives_idle'],
      ['sslnegotiation=tls', 'invalid sslnegotiation value: "tls"', 'sslnegotiation'],
      ['sslnegotiation=direct', 'weak sslmode "prefer" may not be used with sslnegotiation=direct '
        + '(use "require", "verify-ca", or "verify-full")', 'sslnegotiation'],
      ['sslnegotiation=direct sslmode=allow', 'weak sslmode "allow" may not be used with sslnegotiation=direct '
        + '(use "require", "verify-ca", or "verify-full")', 'sslnegotiation'],
      ['sslcertmode=always', 'invalid sslcertmode value: "always"', 'sslcertmode'],
      ['sslcertmode=require', 'sslcertmode value "require" is not supported '
        + '(this client cannot tell whether the server asked for a certificate)', 'sslcertmode'],
      ['load_balance_hosts=roundrobin', 'invalid load_balance_hosts value: "roundrobin"', 'load_balance_hosts'],
    ];
    for (const [connString, message, keyword] of cases) {
      const error = rejection({ connString });
      expect(error.message).toBe(message);
      expect(error.keyword).toBe(keyword);
      expect(error.code).toBe('conninfo-invalid-value');
    }
    expect(rejection({ env: { HOME: '/h', PGSSLMODE: 'bogus' } }).keyword).toBe('sslmode');
  });

  it('takes libpq 16 and 17\'s keywords, from the string or their PG* variables, with libpq\'s defaults', () => {
    const defaults = resolve();
    expect([defaults.sslnegotiation, defaults.sslcertmode, defaults.loadBalanceHosts]).toEqual(['postgres', 'allow', 'disable']);
    expect(defaults.params).toMatchObject({ sslnegotiation: 'postgres', sslcertmode: 'allow', gssdelegation: '0',
      load_balance_hosts: 'disable' });
    const given = resolve({ connString: 'sslmode=verify-full sslnegotiation=direct sslcertmode=disable load_balance_hosts=random' });
    expect([given.sslnegotiation, given.sslcertmode, given.loadBalanceHosts]).toEqual(['direct', 'disable', 'random']);
    const fromEnv = resolve({ env: { HOME: '/h', PGSSLMODE: 'require', PGSSLNEGOTIATION: 'direct', PGSSLCERTMODE: 'disable',
      PGLOADBALANCEHOSTS: 'random', PGGSSDELEGATION: '1' } });
    expect([fromEnv.sslnegotiation, fromEnv.sslcertmode, fromEnv.loadBalanceHosts, fromEnv.params['gssdelegation']])
      .toEqual(['direct', 'disable', 'random', '1']);
  });

  it('rejects an unknown keyword among the overrides', () => {
    expect(rejection({ overrides: { hots: 'x' } }).message).toBe('invalid connection option "hots"');
  });
});

describe('params, for writing primary_conninfo', () => {
  it('holds every non-empty keyword, with where it came from', () => {
    const r = resolve({ connString: 'host=primary password=pw application_name=s1', replication: 'true',
      fallbackApplicationName: 'basebackup', env: { HOME: '/h', PGPORT: '5433' } });
    expect(r.params).toMatchObject({ host: 'primary', port: '5433', user: 'alice', password: 'pw',
      application_name: 's1', sslmode: 'prefer', dbname: 'replication' });
    expect(r.params['passfile']).toBeUndefined();
    const explicit = Object.keys(r.params).filter((k) => r.sources[k] !== 'default').sort();
    expect(explicit).toEqual(['application_name', 'dbname', 'fallback_application_name', 'host',
      'password', 'port', 'replication']);
    expect(Object.keys(r.sources).sort()).toEqual(Object.keys(r.params).sort());
    expect(Object.values(r.params)).not.toContain('');
  });
});

describe('load_balance_hosts (targetsInConnectOrder)', () => {
  const targets = resolve({ connString: 'host=a,b,c,d port=5432' }).targets;
  const hosts = (order: readonly { host: string }[]): string => order.map((t) => t.host).join('');

  it('disable: the order given, every time', () => {
    expect(hosts(targetsInConnectOrder(targets, 'disable', () => 0))).toBe('abcd');
  });

  it('random: a permutation drawn at each connect, every order possible', () => {
    // Fisher-Yates: with random() = 0 every element swaps with the first.
    expect(hosts(targetsInConnectOrder(targets, 'random', () => 0))).toBe('bcda');
    expect(hosts(targetsInConnectOrder(targets, 'random', () => 0.999))).toBe('abcd');
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(hosts(targetsInConnectOrder(targets, 'random')));
    expect(seen.size).toBe(24);
    expect(hosts(targets)).toBe('abcd');
  });
});
