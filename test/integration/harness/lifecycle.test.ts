import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerServer, reapLeftovers } from '../../harness/pg/leftovers.js';
import {
  chownToServerUser,
  describeWithPg,
  makeTempDir,
  pgMajorsUnderTest,
  serverUser,
  startCluster,
  startStandby,
  switchWal,
  waitFor,
  waitForReplay,
} from '../../harness/pg/index.js';
import type { PgCluster } from '../../harness/pg/index.js';

async function postmasterPid(cluster: PgCluster): Promise<number> {
  return Number((await readFile(join(cluster.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A pid that surely belongs to no process any more: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid ?? 0;
}

describeWithPg('harness: WAL segment size, archiving, archive recovery', (major) => {
  let primary: PgCluster;
  let archiveDir: string;

  beforeAll(async () => {
    archiveDir = makeTempDir('ws-archive-');
    primary = await startCluster(major, {
      name: 'archiving',
      walSegmentSizeMB: 1,
      archive: { command: `test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f` },
    });
  });
  afterAll(async () => {
    await primary?.destroy();
  });

  it('initialises with the requested WAL segment size and archives completed segments', async () => {
    expect(await primary.sql('SHOW wal_segment_size')).toBe('1MB');
    const { segment } = await switchWal(primary);
    await waitFor(() => existsSync(join(archiveDir, segment)), { description: `${segment} in the archive` });
  });

  it('starts an archive-only standby that replays from the archive through restore_command', async () => {
    await primary.sql('CREATE TABLE archived (x int); INSERT INTO archived VALUES (7)');
    const { lsn } = await switchWal(primary);
    const standby = await startStandby(primary, { name: 'archive-only', streaming: false, restoreCommand: `cp ${archiveDir}/%f %p` });
    try {
      await waitForReplay(standby, lsn);
      expect(await standby.sql('SELECT x FROM archived')).toBe('7');
      expect(await standby.sql('SELECT count(*) FROM pg_stat_wal_receiver')).toBe('0');
    } finally {
      await standby.destroy();
    }
  });
});

// Harness mechanics that do not depend on the server version: checked on one major only.
describeWithPg(
  'harness: ownership and leftovers',
  (major) => {
    let primary: PgCluster;
    beforeAll(async () => {
      primary = await startCluster(major, { name: 'mechanics' });
    });
    afterAll(async () => {
      await primary?.destroy();
    });

    it('chownToServerUser hands files written by the tests to the server', async () => {
      const dir = join(makeTempDir('ws-owned-'), 'nested');
      await mkdir(dir);
      await writeFile(join(dir, 'file'), 'x');
      await chownToServerUser(dir);
      expect((await stat(join(dir, 'file'))).uid).toBe(serverUser().uid);
      expect(await primary.sql(`SELECT pg_read_file('${join(dir, 'file')}')`)).toBe('x');
    });

    it('reaps a server whose test process died without stopping it', async () => {
      // Pretend the cluster belonged to a test process that died without its teardown.
      const pid = await postmasterPid(primary);
      registerServer(pid, primary.dataDir, primary.baseDir, await deadPid());
      expect(reapLeftovers()).toBeGreaterThanOrEqual(1);
      await waitFor(() => !isAlive(pid), { description: `postmaster ${pid} to exit` });
      expect(existsSync(primary.baseDir)).toBe(false);
      await primary.destroy(); // the handle still thinks it runs: destroy must cope
    });
  },
  { majors: (major) => major === pgMajorsUnderTest()[0] },
);
