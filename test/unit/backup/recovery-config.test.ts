import { describe, expect, it } from 'vitest';
import {
  buildPrimaryConninfo, escapeConfigString, quoteConnValue, recoveryConfigContents, recoveryFiles,
} from '../../../src/core/backup/recovery-config.js';

// libpq 15 defaults as PQconninfo reports them on Debian (what pg_basebackup -R writes).
const defaults = {
  channel_binding: 'prefer', sslmode: 'prefer', sslcompression: '0', sslsni: '1',
  ssl_min_protocol_version: 'TLSv1.2', gssencmode: 'prefer', krbsrvname: 'postgres', target_session_attrs: 'any',
};

describe('conninfo value quoting', () => {
  it.each([
    ['postgres', 'postgres'],
    ['127.0.0.1', '127.0.0.1'],
    ['/tmp/sock', "'/tmp/sock'"],
    ["pw'x", "'pw\\'x'"],
    ['a b\\c', "'a b\\\\c'"],
    ['', "''"],
  ])('%j → %s', (value, quoted) => {
    expect(quoteConnValue(value)).toBe(quoted);
  });
  it('doubles quotes and backslashes for the configuration file', () => {
    expect(escapeConfigString("a'b\\c")).toBe("a''b\\\\c");
  });
});

describe('recovery configuration', () => {
  it('matches pg_basebackup 15 -R for a password and an application_name full of quotes', () => {
    // Written by Debian's pg_basebackup 15 with PGPASSWORD="pw'x" -h 127.0.0.1 -p 55415
    // -U postgres -d "application_name='a b\'c\\d'".
    const expected = "primary_conninfo = 'user=postgres password=''pw\\\\''x'' channel_binding=prefer "
      + "host=127.0.0.1 port=55415 application_name=''a b\\\\''c\\\\\\\\d'' sslmode=prefer sslcompression=0 "
      + "sslsni=1 ssl_min_protocol_version=TLSv1.2 gssencmode=prefer krbsrvname=postgres target_session_attrs=any'\n";
    const params = {
      ...defaults, user: 'postgres', password: "pw'x", host: '127.0.0.1', port: '55415',
      application_name: "a b'c\\d", dbname: 'replication', replication: 'true', fallback_application_name: 'basebackup',
    };
    expect(recoveryConfigContents({ params, serverVersionNum: 150018 })).toBe(expected);
  });

  it('adds primary_slot_name for -S and keeps libpq keyword order whatever the input order', () => {
    const params = { port: '5432', host: '/tmp/bbx', user: 'postgres', passfile: '/root/.pgpass', ...defaults };
    expect(recoveryConfigContents({ params, slot: 'foo', serverVersionNum: 160000 })).toBe(
      "primary_conninfo = 'user=postgres passfile=''/root/.pgpass'' channel_binding=prefer host=''/tmp/bbx'' "
      + "port=5432 sslmode=prefer sslcompression=0 sslsni=1 ssl_min_protocol_version=TLSv1.2 gssencmode=prefer "
      + "krbsrvname=postgres target_session_attrs=any'\nprimary_slot_name = 'foo'\n",
    );
  });

  it('leaves out empty values and the keywords a walreceiver sets itself', () => {
    expect(buildPrimaryConninfo({ user: 'u', options: '', dbname: 'x', replication: 'true', fallback_application_name: 'f' }, 150018))
      .toBe('user=u');
  });

  it('passes require_auth on only to a server whose libpq knows it (16 and later)', () => {
    const params = { user: 'u', require_auth: 'scram-sha-256' };
    expect(recoveryConfigContents({ params, serverVersionNum: 150018 })).toBe("primary_conninfo = 'user=u'\n");
    expect(recoveryConfigContents({ params, serverVersionNum: 140000 })).toBe("primary_conninfo = 'user=u'\n");
    expect(recoveryConfigContents({ params, serverVersionNum: 160000 }))
      .toBe("primary_conninfo = 'user=u require_auth=''scram-sha-256'''\n");
  });

  it('passes libpq 16 and 17\'s keywords on only to servers whose libpq knows them, in libpq\'s order', () => {
    const params = {
      load_balance_hosts: 'disable', target_session_attrs: 'any', gssdelegation: '0', gssencmode: 'prefer', sslcertmode: 'allow',
      sslcompression: '0', sslnegotiation: 'postgres', sslmode: 'prefer', user: 'u',
    };
    const written = (version: number): string => buildPrimaryConninfo(params, version);
    expect(written(150018)).toBe('user=u sslmode=prefer sslcompression=0 gssencmode=prefer target_session_attrs=any');
    expect(written(160000)).toBe('user=u sslmode=prefer sslcompression=0 sslcertmode=allow gssencmode=prefer gssdelegation=0 '
      + 'target_session_attrs=any load_balance_hosts=disable');
    expect(written(170000)).toBe('user=u sslmode=prefer sslnegotiation=postgres sslcompression=0 sslcertmode=allow '
      + 'gssencmode=prefer gssdelegation=0 target_session_attrs=any load_balance_hosts=disable');
  });

  it('uses recovery.conf and standby_mode before PostgreSQL 12', () => {
    expect(recoveryConfigContents({ params: { user: 'u' }, serverVersionNum: 110000 }))
      .toBe("standby_mode = 'on'\nprimary_conninfo = 'user=u'\n");
    expect(recoveryFiles(110000)).toEqual({ configFile: 'recovery.conf', append: false });
    expect(recoveryFiles(150000)).toEqual({ configFile: 'postgresql.auto.conf', append: true, signalFile: 'standby.signal' });
  });
});
