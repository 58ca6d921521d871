import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findServerUser } from './server-user.js';

/** The checkout's root (this file lives in test/harness/pg/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * World-readable copy of a server package's native/ tree, made by scripts/setup-test-env.mjs
 * when the checkout is not traversable by the server user (e.g. under /root). Keep in sync.
 */
export const BINARY_CACHE_ROOT = '/var/tmp/warmstandby-pg';

export interface PgBinaries {
  readonly major: number;
  /** The npm package version, e.g. 15.18.0-beta.17. */
  readonly packageVersion: string;
  readonly binDir: string;
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
}

export type Availability<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const SETUP_HINT = 'run node scripts/setup-test-env.mjs';

/** Where the binaries of one major are, and whether the server user can run them. */
export function locatePgBinaries(major: number): Availability<PgBinaries & { readonly version: string }> {
  const packageDir = join(REPO_ROOT, 'node_modules', `pg${major}`);
  const packageJson = join(packageDir, 'package.json');
  if (!existsSync(packageJson)) return { ok: false, reason: `node_modules/pg${major} is not installed (npm ci)` };
  const packageVersion = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  const cached = join(BINARY_CACHE_ROOT, packageVersion);
  const nativeDir = existsSync(join(cached, '.complete')) ? cached : join(packageDir, 'native');
  const binDir = join(nativeDir, 'bin');
  const binaries = {
    major,
    packageVersion,
    binDir,
    initdb: join(binDir, 'initdb'),
    pgCtl: join(binDir, 'pg_ctl'),
    postgres: join(binDir, 'postgres'),
  };
  const user = findServerUser();
  if (user === undefined) return { ok: false, reason: `no unprivileged account to run PostgreSQL as root (${SETUP_HINT})` };
  let version = '';
  for (const program of [binaries.initdb, binaries.pgCtl, binaries.postgres]) {
    const probe = spawnSync(program, ['--version'], {
      encoding: 'utf8',
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      ...(user.separate ? { uid: user.uid, gid: user.gid } : {}),
    });
    if (probe.status !== 0) {
      const why = probe.error?.message ?? probe.stderr.trim().split('\n')[0] ?? `exit ${probe.status}`;
      return { ok: false, reason: `${program} does not run as ${user.name}: ${why} (${SETUP_HINT})` };
    }
    const reported = /\(PostgreSQL\) (\d+)(\.\d+)?/.exec(probe.stdout);
    if (reported === null || Number(reported[1]) !== major) {
      return { ok: false, reason: `${program} reports "${probe.stdout.trim()}", expected PostgreSQL ${major}` };
    }
    version = `${reported[1]}${reported[2] ?? ''}`;
  }
  return { ok: true, value: { ...binaries, version } };
}

/** Client and oracle programs the harness and the tests use, from Debian packages. */
export const TOOL_PATHS = {
  psql: '/usr/bin/psql',
  openssl: '/usr/bin/openssl',
  pg_verifybackup: '/usr/lib/postgresql/15/bin/pg_verifybackup',
  pg_waldump: '/usr/lib/postgresql/15/bin/pg_waldump',
  pg_receivewal: '/usr/lib/postgresql/15/bin/pg_receivewal',
  pg_basebackup: '/usr/lib/postgresql/15/bin/pg_basebackup',
  pg_archivecleanup: '/usr/lib/postgresql/15/bin/pg_archivecleanup',
  pg_controldata: '/usr/lib/postgresql/15/bin/pg_controldata',
  pgbench: '/usr/lib/postgresql/15/bin/pgbench',
  gzip: '/usr/bin/gzip',
  lz4: '/usr/bin/lz4',
  zstd: '/usr/bin/zstd',
  // The throw-away Ceph cluster behind the object-archive tests (test/harness/objstore).
  'ceph-mon': '/usr/bin/ceph-mon',
  'ceph-osd': '/usr/bin/ceph-osd',
  radosgw: '/usr/bin/radosgw',
  'radosgw-admin': '/usr/bin/radosgw-admin',
  'ceph-authtool': '/usr/bin/ceph-authtool',
  monmaptool: '/usr/bin/monmaptool',
} as const;

export type ToolName = keyof typeof TOOL_PATHS;

/** Whether a client/oracle program exists and runs (`--version`). */
export function locateTool(name: ToolName): Availability<string> {
  const path = TOOL_PATHS[name];
  if (!existsSync(path)) return { ok: false, reason: `${path} is missing (install the Debian packages: scripts/install-system-deps.sh)` };
  const args = name === 'openssl' ? ['version'] : ['--version'];
  const probe = spawnSync(path, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  if (probe.status !== 0) return { ok: false, reason: `${path} does not run: ${probe.error?.message ?? probe.stderr.trim()}` };
  return { ok: true, value: path };
}
