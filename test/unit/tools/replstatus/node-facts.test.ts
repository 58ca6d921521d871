import { describe, expect, it } from 'vitest';
import { applicationNameIn } from '../../../../src/tools/replstatus/node-facts.js';

// How a standby's WAL receiver is named upstream: matching it to its pg_stat_replication row.
describe('applicationNameIn (pg_stat_wal_receiver.conninfo)', () => {
  it('reads application_name, quoted or not', () => {
    expect(applicationNameIn('user=postgres application_name=pg15_a host=x')).toBe('pg15_a');
    expect(applicationNameIn("user=postgres application_name='a b\\'c' host=x")).toBe("a b'c");
  });

  it('falls back to fallback_application_name, which the server fills in (basebackup -R names none)', () => {
    expect(applicationNameIn('user=postgres dbname=replication port=5432 fallback_application_name=walreceiver sslmode=prefer'))
      .toBe('walreceiver');
    expect(applicationNameIn('application_name=mine fallback_application_name=walreceiver')).toBe('mine');
  });

  it('is null without a conninfo or a name', () => {
    expect(applicationNameIn(null)).toBeNull();
    expect(applicationNameIn('user=postgres host=x')).toBeNull();
  });
});

describe('applicationNameIn with keywords newer than our libpq knows', () => {
  it('still finds the name (PostgreSQL 16+ servers show sslcertmode, load_balance_hosts, ...)', () => {
    expect(applicationNameIn('user=postgres sslcertmode=allow load_balance_hosts=disable application_name=pg16_b')).toBe('pg16_b');
  });
});
