#!/usr/bin/env node
// Prepares this machine for the test suite (run by `npm test` before vitest, and by the
// suite's global setup with --prepare-only). Idempotent; prints one line per prerequisite.
//   - recreates the shared-library symlinks the PostgreSQL server packages list in
//     native/pg-symlinks.json (their postinstall script does not run under npm 11);
//   - as root: creates the unprivileged account that runs the test servers, installs the
//     Debian packages the tests use (scripts/install-system-deps.sh), and copies the server
//     binaries to a world-readable cache when the checkout is not readable by that account;
//   - under CI=true, exits non-zero when anything is missing.
// Options: --prepare-only (never install packages), --quiet (print only problems).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ALL_MAJORS = [14, 15, 16, 17, 18];
const SERVER_USER = 'warmstandby-test'; // keep in sync with test/harness/pg/server-user.ts
const SERVER_HOME = '/var/lib/warmstandby-test';
const BINARY_CACHE = '/var/tmp/warmstandby-pg'; // keep in sync with test/harness/pg/binaries.ts
const DEBIAN_PACKAGES = ['postgresql-15', 'postgresql-client-15', 'docker.io', 'busybox-static', 'lz4', 'zstd', 'gzip', 'openssl'];
const TOOLS = {
  psql: '/usr/bin/psql',
  openssl: '/usr/bin/openssl',
  pg_verifybackup: '/usr/lib/postgresql/15/bin/pg_verifybackup',
  pg_waldump: '/usr/lib/postgresql/15/bin/pg_waldump',
  pg_receivewal: '/usr/lib/postgresql/15/bin/pg_receivewal',
  pg_basebackup: '/usr/lib/postgresql/15/bin/pg_basebackup',
  pg_archivecleanup: '/usr/lib/postgresql/15/bin/pg_archivecleanup',
  gzip: '/usr/bin/gzip',
  lz4: '/usr/bin/lz4',
  zstd: '/usr/bin/zstd',
  dockerd: '/usr/sbin/dockerd',
  busybox: '/bin/busybox',
};

const args = new Set(process.argv.slice(2));
const prepareOnly = args.has('--prepare-only');
const quiet = args.has('--quiet');
const ci = process.env.CI === 'true' || process.env.CI === '1';
const isRoot = process.getuid?.() === 0;
const problems = [];

function report(ok, what, detail) {
  if (!ok) problems.push(`${what}: ${detail}`);
  if (!ok || !quiet) console.log(`${ok ? 'ok     ' : 'MISSING'} ${what}${detail ? `: ${detail}` : ''}`);
}

function majorsUnderTest() {
  const listed = process.env.WS_PG_MAJORS?.trim();
  if (listed) return listed.split(',').map((m) => Number(m.trim()));
  return ci ? ALL_MAJORS : [15, 18];
}

function hydrateSymlinks(packageDir) {
  const list = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return 0;
  let made = 0;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8'))) {
    const targetPath = join(packageDir, target);
    try {
      lstatSync(targetPath);
      continue;
    } catch {
      // missing: create it below
    }
    symlinkSync(relative(dirname(targetPath), join(packageDir, source)), targetPath);
    made += 1;
  }
  return made;
}

function serverUserIds() {
  if (!isRoot) return { uid: process.getuid(), gid: process.getgid() };
  const entry = spawnSync('getent', ['passwd', SERVER_USER], { encoding: 'utf8' });
  if (entry.status !== 0) return undefined;
  const fields = entry.stdout.trim().split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

function ensureServerUser() {
  if (!isRoot || serverUserIds() !== undefined) return;
  const made = spawnSync('useradd', ['--system', '--create-home', '--home-dir', SERVER_HOME, '--shell', '/usr/sbin/nologin', '--user-group', SERVER_USER], { encoding: 'utf8' });
  if (made.status !== 0 && serverUserIds() === undefined) report(false, `account ${SERVER_USER}`, made.stderr.trim());
}

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter((name) => {
    const probe = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return !(probe.status === 0 && probe.stdout.includes('install ok installed'));
  });
}

/** Runs `postgres --version` as the server account; returns the version line or an error. */
function probe(binDir, ids) {
  const result = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', cwd: '/', env: { PATH: '/usr/bin:/bin' }, ...ids });
  if (result.status === 0) return { ok: true, line: result.stdout.trim() };
  return { ok: false, line: result.error?.message ?? result.stderr.trim() };
}

/** Copies native/ where the server account can read it (e.g. the checkout is under /root). */
function cacheBinaries(packageDir, version) {
  const final = join(BINARY_CACHE, version);
  if (existsSync(join(final, '.complete'))) return final;
  mkdirSync(BINARY_CACHE, { recursive: true, mode: 0o755 });
  chmodSync(BINARY_CACHE, 0o755);
  const staging = `${final}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const copy = spawnSync('cp', ['-a', join(packageDir, 'native'), staging], { encoding: 'utf8' });
  const readable = copy.status === 0 && spawnSync('chmod', ['-R', 'go+rX,go-w', staging]).status === 0;
  if (!readable) throw new Error(`Cannot copy ${packageDir}/native to ${staging}: ${copy.stderr.trim()}`);
  writeFileSync(join(staging, '.complete'), `${version}\n`);
  chmodSync(staging, 0o755);
  try {
    renameSync(staging, final);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // a concurrent run won the race
  }
  return final;
}

function preparePg(major, ids) {
  const packageDir = join(ROOT, 'node_modules', `pg${major}`);
  if (!existsSync(join(packageDir, 'package.json'))) return report(false, `PostgreSQL ${major}`, `node_modules/pg${major} missing (npm ci)`);
  hydrateSymlinks(packageDir);
  if (ids === undefined) return report(false, `PostgreSQL ${major}`, `no account ${SERVER_USER} to run it`);
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  const cached = join(BINARY_CACHE, version);
  let nativeDir = existsSync(join(cached, '.complete')) ? cached : join(packageDir, 'native');
  let result = probe(join(nativeDir, 'bin'), ids);
  if (!result.ok && isRoot && nativeDir !== cached) {
    nativeDir = cacheBinaries(packageDir, version);
    result = probe(join(nativeDir, 'bin'), ids);
  }
  report(result.ok, `PostgreSQL ${major}`, result.ok ? `${result.line} in ${nativeDir}/bin` : result.line);
}

function main() {
  ensureServerUser();
  if (isRoot && !prepareOnly) {
    const missing = missingDebianPackages();
    if (missing.length > 0) {
      console.log(`installing Debian packages: ${missing.join(' ')}`);
      const installed = spawnSync('bash', [join(ROOT, 'scripts', 'install-system-deps.sh')], { stdio: 'inherit' });
      if (installed.status !== 0) report(false, 'Debian packages', `install-system-deps.sh exited with ${installed.status}`);
    }
  }
  const ids = serverUserIds();
  if (isRoot) report(ids !== undefined, `account ${SERVER_USER}`, ids === undefined ? 'missing' : `uid ${ids.uid}`);
  for (const major of majorsUnderTest()) preparePg(major, ids);
  // Packages under other majors are hydrated too, so a later WS_PG_MAJORS run finds them ready.
  for (const major of ALL_MAJORS) {
    const packageDir = join(ROOT, 'node_modules', `pg${major}`);
    if (existsSync(packageDir)) hydrateSymlinks(packageDir);
  }
  if (!prepareOnly) {
    for (const [name, path] of Object.entries(TOOLS)) report(existsSync(path), name, existsSync(path) ? path : `${path} not found`);
  }
  if (problems.length > 0) {
    const advice = isRoot ? 'see the lines above' : 'run `node scripts/setup-test-env.mjs` as root to install them';
    console.log(`${problems.length} test prerequisite(s) missing: ${advice}${ci ? '' : ' (the tests needing them will be skipped)'}`);
    if (ci) process.exitCode = 1;
  }
}

main();
