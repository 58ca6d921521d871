#!/usr/bin/env bash
# Runs PostgreSQL 15's own TAP suites for the programs warmstandby replaces, with either the
# C tools (`c`, the control) or warmstandby's binaries put first on PATH under the C tools'
# names (`ours`): pg_basebackup, pg_receivewal, pg_archivecleanup, and pg_ctl's promote.
# Those suites are the specification of drop-in behaviour.
#
#   scripts/pg-tap-suites.sh ours|c [SUITE...]     SUITE: basebackup receivewal archivecleanup promote
#   scripts/pg-tap-suites.sh fetch                  only fetch the source (scripts/install-system-deps.sh)
#
# Needs root once (to fetch Debian's postgresql-15 source and libipc-run-perl); the suites
# themselves run as the unprivileged test user, since initdb refuses root. Prints prove's
# summary per suite and exits non-zero if any test failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:?usage: pg-tap-suites.sh ours|c|fetch [SUITE...]}"
shift
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(basebackup receivewal archivecleanup promote)
user="${WS_TEST_USER:-warmstandby-test}"
cache="${WS_PG_SOURCE_CACHE:-/var/cache/warmstandby/pg15-source}"
pgbin=/usr/lib/postgresql/15/bin
# Cluster.pm runs `pg_regress --config-auth`, which changes nothing outside Windows.
regress=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress
[ -x "$regress" ] || regress=/bin/true

# --- PostgreSQL's source: the version of the installed server package when it can be had.
if ! ls -d "$cache"/postgresql-15-*/src/test/perl >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "pg-tap-suites: run once as root to fetch the PostgreSQL 15 source" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  sources=/etc/apt/sources.list.d/debian.sources
  if [ -f "$sources" ] && ! grep -q '^Types:.*deb-src' "$sources"; then
    sed -i 's/^Types: deb$/Types: deb deb-src/' "$sources"
    apt-get update -qq
  fi
  dpkg-query -W -f='${Status}' libipc-run-perl 2>/dev/null | grep -q 'install ok installed' ||
    apt-get install -y -qq --no-install-recommends libipc-run-perl >/dev/null
  mkdir -p "$cache"
  installed="$(dpkg-query -W -f='${Version}' postgresql-15)"
  fetched=no
  for attempt in 1 2; do
    if (cd "$cache" && { apt-get source -qq "postgresql-15=$installed" || apt-get source -qq postgresql-15; }) >/dev/null 2>&1; then
      fetched=yes
      break
    fi
    [ "$attempt" = 1 ] && { apt-get update -qq || true; }
  done
  [ "$fetched" = yes ] || { echo "pg-tap-suites: cannot fetch the postgresql-15 source (deb-src)" >&2; exit 1; }
  rm -f "$cache"/postgresql-15_*.tar.* "$cache"/postgresql-15_*.dsc
fi
src="$(ls -d "$cache"/postgresql-15-*/ | head -n1)"
[ "$mode" = fetch ] && exit 0

# --- A work tree the test user owns: the suites write tmp_check/ beside themselves.
work="$(mktemp -d /tmp/ws-pg-tap-XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/perl"
cp -r "$src/src/test/perl/." "$work/perl/"
declare -A dirs=([basebackup]=src/bin/pg_basebackup [receivewal]=src/bin/pg_basebackup
  [archivecleanup]=src/bin/pg_archivecleanup [promote]=src/bin/pg_ctl)
declare -A files=([basebackup]=010_pg_basebackup.pl [receivewal]=020_pg_receivewal.pl
  [archivecleanup]=010_pg_archivecleanup.pl [promote]=003_promote.pl)

if [ "$mode" = ours ]; then
  ln -s "$root/bin/basebackup" "$work/bin/pg_basebackup"
  ln -s "$root/bin/receivewal" "$work/bin/pg_receivewal"
  ln -s "$root/bin/archivecleanup" "$work/bin/pg_archivecleanup"
  # pg_ctl does far more than promote: only `pg_ctl ... promote` is ours, the rest is pg_ctl's.
  # It reaches promote through a link named pg_ctl, so promote speaks as pg_ctl.
  mkdir -p "$work/promote-as-pg_ctl"
  ln -s "$root/bin/promote" "$work/promote-as-pg_ctl/pg_ctl"
  cat > "$work/bin/pg_ctl" <<EOF
#!/usr/bin/env bash
for arg in "\$@"; do
  if [ "\$arg" = promote ]; then
    args=(); for a in "\$@"; do [ "\$a" = promote ] || args+=("\$a"); done
    exec "$work/promote-as-pg_ctl/pg_ctl" "\${args[@]}"
  fi
done
exec "$pgbin/pg_ctl" "\$@"
EOF
  chmod +x "$work/bin/pg_ctl"
elif [ "$mode" != c ]; then
  echo "pg-tap-suites: mode must be ours or c, not $mode" >&2
  exit 2
fi
chown -R "$user" "$work"
chmod 755 "$work"

status=0
for suite in "${suites[@]}"; do
  dir="${dirs[$suite]:?unknown suite $suite}"
  mkdir -p "$work/$suite/t"
  cp "$src/$dir/t/${files[$suite]}" "$work/$suite/t/"
  chown -R "$user" "$work/$suite"
  log="$work/$suite.log"
  set +e
  (cd "$work/$suite" && runuser -u "$user" -- env -i HOME="$work" LANG=C.UTF-8 \
    PATH="$work/bin:$pgbin:/usr/local/bin:/usr/bin:/bin" PERL5LIB="$work/perl" \
    GZIP_PROGRAM="$(command -v gzip)" TAR="$(command -v tar)" LZ4="$(command -v lz4)" ZSTD="$(command -v zstd)" \
    PG_TEST_TIMEOUT_DEFAULT=120 PG_REGRESS="$regress" TESTDIR="$work/$suite" NO_COLOR=1 \
    prove -v "t/${files[$suite]}") >"$log" 2>&1
  rc=$?
  set -e
  failed="$(grep -E '^not ok' "$log" | grep -v '# TODO' || true)"
  summary="$(grep -E '^(Files=|Result:)' "$log" | tr '\n' ' ')"
  skipped="$(grep -cE '^ok [0-9]+ # skip' "$log" || true)"
  echo "$suite ($mode): skipped=$skipped ${summary:-no summary}"
  [ -n "${WS_TAP_SHOW_SKIPS:-}" ] && grep -E "^ok [0-9]+ # skip" "$log" | sed "s/^/  /"
  if [ $rc -ne 0 ]; then
    status=1
    [ -n "$failed" ] && echo "$failed" | sed 's/^/  /'
    if [ -n "${WS_TAP_KEEP:-}" ]; then mkdir -p "$WS_TAP_KEEP"; cp -r "$work/$suite" "$log" "$WS_TAP_KEEP/"; fi
  fi
done
exit $status
