import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPg, startCluster, type PgCluster } from '../../harness/pg/index.js';
import { clientEnv, connectionArgs, receivewalInProcess } from './helpers.js';

/** --create-slot / --drop-slot: pg_receivewal's commands, messages and exit statuses. */
describeWithPg('receivewal slot actions', (major) => {
  let primary: PgCluster;
  beforeAll(async () => {
    primary = await startCluster(major, { walSegmentSizeMB: 1, name: `pg${major}-rw-slots` });
  });
  afterAll(async () => {
    await primary?.destroy();
  });

  const slots = (): Promise<string> =>
    primary.sql("SELECT slot_name || ' ' || slot_type || ' ' || coalesce(restart_lsn::text, '-') FROM pg_replication_slots");
  const run = (args: string[]) => receivewalInProcess([...args, ...connectionArgs(primary)], clientEnv(primary));

  it('creates a physical slot without reserving WAL, refuses a duplicate unless --if-not-exists, drops it', async () => {
    const created = await run(['--create-slot', '-S', 'arch', '-v']);
    expect(created).toMatchObject({ code: 0, stderr: 'receivewal: creating replication slot "arch"\n' });
    expect(await slots()).toBe('arch physical -');

    const again = await run(['--create-slot', '-S', 'arch']);
    expect(again.code).toBe(1);
    // Word for word what pg_receivewal 15 prints.
    expect(again.stderr).toBe(
      'receivewal: error: could not send replication command "CREATE_REPLICATION_SLOT "arch" PHYSICAL": ' +
        'ERROR:  replication slot "arch" already exists\n',
    );
    expect(await run(['--create-slot', '-S', 'arch', '--if-not-exists'])).toMatchObject({ code: 0, stderr: '' });

    const dropped = await run(['--drop-slot', '-S', 'arch', '-v']);
    expect(dropped).toMatchObject({ code: 0, stderr: 'receivewal: dropping replication slot "arch"\n' });
    expect(await slots()).toBe('');
    const missing = await run(['--drop-slot', '-S', 'arch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'receivewal: error: could not send replication command "DROP_REPLICATION_SLOT "arch"": ' +
        'ERROR:  replication slot "arch" does not exist\n',
    );
  });
});
