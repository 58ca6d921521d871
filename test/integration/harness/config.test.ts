import { describe, expect, it } from 'vitest';
import { renderHarnessConf, renderHba, validateSettings } from '../../harness/pg/cluster-config.js';
import type { ClusterSettings } from '../../harness/pg/cluster-config.js';
import { lsnFromText, lsnToText, pgMajorsUnderTest } from '../../harness/pg/index.js';
import { fixturesIn } from '../../harness/pg/tls-generate.js';

const base: ClusterSettings = {
  port: 54321,
  socketDir: "/tmp/ws-pg15-x/so'ck",
  localAuth: 'trust',
  hostAuth: 'scram-sha-256',
  replication: true,
  tls: undefined,
  fsync: true,
  archive: undefined,
  recovery: [],
  conf: ['work_mem = 8MB'],
};

describe('harness: majors under test', () => {
  it('defaults to 15 and 18 locally and every major under CI', () => {
    expect(pgMajorsUnderTest({})).toEqual([15, 18]);
    expect(pgMajorsUnderTest({ CI: 'true' })).toEqual([14, 15, 16, 17, 18]);
  });
  it('takes WS_PG_MAJORS over both, sorted and without duplicates', () => {
    expect(pgMajorsUnderTest({ CI: 'true', WS_PG_MAJORS: '17, 14,17' })).toEqual([14, 17]);
    expect(() => pgMajorsUnderTest({ WS_PG_MAJORS: '13' })).toThrow(/13 is not one of/);
  });
});

describe('harness: configuration files', () => {
  it('writes pg_hba lines for the socket and 127.0.0.1, replication included', () => {
    expect(renderHba(base)).toEqual([
      'local all all trust',
      'local replication all trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      'host replication all 127.0.0.1/32 scram-sha-256',
    ]);
    expect(renderHba({ ...base, replication: false })).toEqual(['local all all trust', 'host all all 127.0.0.1/32 scram-sha-256']);
  });
  it('uses hostssl and clientcert for TLS-only clusters and cert authentication', () => {
    const tls = { fixtures: fixturesIn('/x'), hostssl: true, clientCert: 'verify-full' as const };
    expect(renderHba({ ...base, tls, replication: false })[1]).toBe('hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-full');
    expect(renderHba({ ...base, tls: { fixtures: fixturesIn('/x') }, hostAuth: 'cert', replication: false })[1]).toBe('hostssl all all 127.0.0.1/32 cert');
    expect(() => validateSettings({ ...base, hostAuth: 'cert' })).toThrow(/without tls/);
    expect(() => validateSettings({ ...base, localAuth: 'cert' })).toThrow(/unix socket/);
  });
  it('quotes values and puts the caller lines last', () => {
    const conf = renderHarnessConf({ ...base, archive: { command: "cp %p '/a b/%f'" } }).trimEnd().split('\n');
    expect(conf).toContain(`unix_socket_directories = '/tmp/ws-pg15-x/so''ck'`);
    expect(conf).toContain(`archive_command = 'cp %p ''/a b/%f'''`);
    expect(conf).toContain('port = 54321');
    expect(conf.at(-1)).toBe('work_mem = 8MB');
  });
});

describe('harness: LSN text', () => {
  it('round-trips PostgreSQL notation', () => {
    expect(lsnFromText('16/B374D848')).toBe(0x16b374d848n);
    expect(lsnToText(0x16b374d848n)).toBe('16/B374D848');
    expect(lsnToText(0n)).toBe('0/0');
    expect(() => lsnFromText('16-B374D848')).toThrow(/Cannot parse LSN/);
  });
});
