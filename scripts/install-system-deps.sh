#!/usr/bin/env bash
# Installs the Debian packages the tests use (oracle tools, docker, busybox, compressors)
# when they are missing. Needs root for apt-get; as a normal user it only reports.
set -euo pipefail
# man-db: the conformance test renders every man page; python3: the libpq comparison test;
# libipc-run-perl: PostgreSQL's own TAP suites of the tools we replace (scripts/pg-tap-suites.sh).
# ceph-mon, ceph-osd, radosgw, ceph-common, uuid-runtime, curl: the one-node Ceph cluster whose
# RADOS Gateway is the real S3 store of the object-archive tests (test/harness/objstore).
packages=(postgresql-15 postgresql-client-15 docker.io busybox-static lz4 zstd gzip openssl man-db python3 libipc-run-perl
  ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# PostgreSQL 15's source holds those TAP suites: fetched once into a cache (needs root).
fetch_tap_source() {
  [ "$(id -u)" -eq 0 ] || return 0
  bash "$(dirname "${BASH_SOURCE[0]}")/pg-tap-suites.sh" fetch
}
if [ ${#missing[@]} -eq 0 ]; then
  fetch_tap_source
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing Debian packages: ${missing[*]} (run as root to install)" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
fetch_tap_source
