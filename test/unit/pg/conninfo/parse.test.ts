import { describe, expect, it } from 'vitest';

import { ConninfoError } from '../../../../src/core/pg/conninfo/conninfo-error.js';
import { isConnectionString, parseConnString } from '../../../../src/core/pg/conninfo/parse.js';
import { WarmstandbyError } from '../../../../src/core/errors.js';

const errorOf = (text: string): ConninfoError => {
  try {
    parseConnString(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConninfoError);
    expect(error).toBeInstanceOf(WarmstandbyError);
    return error as ConninfoError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
};

describe('keyword=value strings', () => {
  it('parses the documentation example', () => {
    expect(parseConnString('host=localhost port=5432 dbname=mydb connect_timeout=10')).toEqual({
      host: 'localhost', port: '5432', dbname: 'mydb', connect_timeout: '10',
    });
  });

  it('allows white space around = and between pairs, tabs and newlines included', () => {
    expect(parseConnString('  host = localhost\tport=\n5433   user =alice ')).toEqual({
      host: 'localhost', port: '5433', user: 'alice',
    });
  });

  it('reads quoted values with \\\' and \\\\ escapes, and empty quoted values', () => {
    expect(parseConnString(String.raw`password='it\'s a \\ secret' user='' dbname='my db'`)).toEqual({
      password: "it's a \\ secret", user: '', dbname: 'my db',
    });
  });

  it('honours backslash escapes outside quotes', () => {
    expect(parseConnString(String.raw`dbname=my\ db application_name=a\'b\\c`)).toEqual({
      dbname: 'my db', application_name: "a'b\\c",
    });
  });

  it('keeps an empty value written as nothing after =', () => {
    expect(parseConnString('host= port=5432')).toEqual({ host: 'port=5432' });
    expect(parseConnString('host=')).toEqual({ host: '' });
  });

  it('lets a later keyword win, and maps the obsolete requiressl', () => {
    expect(parseConnString('port=1 port=2')).toEqual({ port: '2' });
    expect(parseConnString('requiressl=1')).toEqual({ sslmode: 'require' });
    expect(parseConnString('requiressl=0')).toEqual({ sslmode: 'prefer' });
  });

  it('returns nothing for an empty or blank string', () => {
    expect(parseConnString('')).toEqual({});
    expect(parseConnString('   ')).toEqual({});
  });

  it('rejects unknown keywords with libpq\'s message', () => {
    const error = errorOf('host=localhost x=1');
    expect(error.message).toBe('invalid connection option "x"');
    expect(error.code).toBe('conninfo-unknown-keyword');
    expect(error.keyword).toBe('x');
  });

  it('rejects a keyword without =', () => {
    const error = errorOf('host=localhost mydb');
    expect(error.message).toBe('missing "=" after "mydb" in connection info string');
    expect(error.code).toBe('conninfo-syntax');
  });

  it('rejects an unterminated quoted value', () => {
    expect(errorOf("dbname='abc").message).toBe('unterminated quoted string in connection info string');
  });

  it('tells connection strings from plain database names like libpq', () => {
    expect(isConnectionString('mydb')).toBe(false);
    expect(isConnectionString('dbname=mydb')).toBe(true);
    expect(isConnectionString('postgres://')).toBe(true);
  });
});

describe('URIs: the examples of the libpq documentation', () => {
  const examples: [string, Record<string, string>][] = [
    ['postgresql://', {}],
    ['postgresql://localhost', { host: 'localhost' }],
    ['postgresql://localhost:5433', { host: 'localhost', port: '5433' }],
    ['postgresql://localhost/mydb', { host: 'localhost', dbname: 'mydb' }],
    ['postgresql://user@localhost', { user: 'user', host: 'localhost' }],
    ['postgresql://user:secret@localhost', { user: 'user', password: 'secret', host: 'localhost' }],
    ['postgresql://other@localhost/otherdb?connect_timeout=10&application_name=myapp',
      { user: 'other', host: 'localhost', dbname: 'otherdb', connect_timeout: '10', application_name: 'myapp' }],
    ['postgresql://host1:123,host2:456/somedb?target_session_attrs=any&application_name=myapp',
      { host: 'host1,host2', port: '123,456', dbname: 'somedb', target_session_attrs: 'any',
        application_name: 'myapp' }],
    ['postgresql://[2001:db8::1234]/database', { host: '2001:db8::1234', dbname: 'database' }],
    ['postgresql://%2Fvar%2Flib%2Fpostgresql/dbname', { host: '/var/lib/postgresql', dbname: 'dbname' }],
    ['postgresql:///dbname?host=/var/lib/postgresql', { dbname: 'dbname', host: '/var/lib/postgresql' }],
    ['postgresql:///mydb?host=localhost&port=5433', { dbname: 'mydb', host: 'localhost', port: '5433' }],
    ['postgresql://[::1]:5433/db', { host: '::1', port: '5433', dbname: 'db' }],
    ['postgresql://localhost/mydb?user=other&password=secret',
      { host: 'localhost', dbname: 'mydb', user: 'other', password: 'secret' }],
  ];
  for (const [uri, expected] of examples) {
    it(uri, () => expect(parseConnString(uri)).toEqual(expected));
  }
});

describe('URIs: details', () => {
  it('accepts the short postgres:// prefix', () => {
    expect(parseConnString('postgres://u@h:1/d')).toEqual({ user: 'u', host: 'h', port: '1', dbname: 'd' });
  });

  it('percent-decodes user, password, host, port, dbname and query', () => {
    expect(parseConnString('postgresql://us%40er:p%3Aw%40d%2F@ho%73t:54%332/d%20b?application_name=a%26b'))
      .toEqual({ user: 'us@er', password: 'p:w@d/', host: 'host', port: '5432', dbname: 'd b',
        application_name: 'a&b' });
    expect(parseConnString('postgresql:///db?host=%2Ftmp')).toEqual({ dbname: 'db', host: '/tmp' });
    expect(parseConnString('postgresql://h/%C3%A9t%C3%A9')).toEqual({ host: 'h', dbname: 'été' });
  });

  it('lists several hosts, some with ports, IPv6 ones bracketed', () => {
    expect(parseConnString('postgresql://h1,h2:5433')).toEqual({ host: 'h1,h2', port: ',5433' });
    expect(parseConnString('postgresql://[::1]:1,[fe80::2],h3:3/x'))
      .toEqual({ host: '::1,fe80::2,h3', port: '1,,3', dbname: 'x' });
  });

  it('leaves out an empty host, user, password or dbname', () => {
    expect(parseConnString('postgresql://:5433/db')).toEqual({ port: '5433', dbname: 'db' });
    expect(parseConnString('postgresql://user@')).toEqual({ user: 'user' });
    expect(parseConnString('postgresql://u:@h/')).toEqual({ user: 'u', host: 'h' });
  });

  it('maps ssl=true to sslmode=require (JDBC spelling) and requiressl', () => {
    expect(parseConnString('postgresql://h?ssl=true')).toEqual({ host: 'h', sslmode: 'require' });
    expect(parseConnString('postgresql://h?requiressl=1')).toEqual({ host: 'h', sslmode: 'require' });
  });

  it('accepts a trailing & and an empty query', () => {
    expect(parseConnString('postgresql://h/db?port=1&')).toEqual({ host: 'h', dbname: 'db', port: '1' });
    expect(parseConnString('postgresql://h/db?')).toEqual({ host: 'h', dbname: 'db' });
  });

  const rejected: [string, string][] = [
    ['postgresql://h/db?foo=1', 'invalid URI query parameter: "foo"'],
    ['postgresql://h/db?port', 'missing key/value separator "=" in URI query parameter: "port"'],
    ['postgresql://h/db?port=1&&b=2', 'missing key/value separator "=" in URI query parameter: ""'],
    ['postgresql://h/db?port=1=2', 'extra key/value separator "=" in URI query parameter: "port"'],
    ['postgresql://[::1/db', 'end of string reached when looking for matching "]" in IPv6 host address in URI'],
    ['postgresql://[]/db', 'IPv6 host address may not be empty in URI'],
    ['postgresql://[::1]x/db', 'unexpected character "x" at position 19 in URI (expected ":" or "/")'],
    ['postgresql://h/d%zzb', 'invalid percent-encoded token in dbname "d%zzb" of the connection URI'],
    ['postgresql://h/db%00', 'forbidden value %00 in percent-encoded value in dbname "db%00" of the connection URI'],
    ['postgresql://h/db%4', 'invalid percent-encoded token in dbname "db%4" of the connection URI'],
  ];
  for (const [uri, message] of rejected) {
    it(`rejects ${uri}`, () => {
      const error = errorOf(uri);
      expect(error.message).toBe(message);
    });
  }
});
