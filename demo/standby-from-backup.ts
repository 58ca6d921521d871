import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PgCluster } from '../test/harness/pg/cluster.js';
import { requirePg } from '../test/harness/pg/require-pg.js';
import { chownToServerUser } from '../test/harness/pg/server-user.js';

/**
 * Starts a standby from a data directory that basebackup -R wrote into `baseDir/data`: the
 * harness's cluster handle around it, with the primary's settings but its own port, socket
 * directory and recovery hooks. primary_conninfo comes from basebackup's postgresql.auto.conf.
 */
export const adoptDataDirectory = async (
  primary: PgCluster,
  baseDir: string,
  options: { port: number; recovery: readonly string[] },
): Promise<PgCluster> => {
  const socketDir = join(baseDir, 'sock');
  await mkdir(socketDir, { recursive: true });
  await chownToServerUser(baseDir);
  const standby = new PgCluster(
    {
      name: 'demo-standby',
      binaries: requirePg(primary.major),
      baseDir,
      superuserPassword: primary.superuserPassword,
      user: primary.user,
      walSegmentSize: primary.walSegmentSize,
      upstream: primary,
    },
    // A standby does not archive here: its restore_command reads the primary's archive.
    { ...primary.settings, port: options.port, socketDir, archive: undefined, recovery: options.recovery },
  );
  await standby.start();
  return standby;
};
