#!/usr/bin/env bash
# Installs the Debian packages the tests use (oracle tools, docker, busybox, compressors)
# when they are missing. Needs root for apt-get; as a normal user it only reports.
set -euo pipefail
# man-db: the conformance test renders every man page; python3: the libpq comparison test.
packages=(postgresql-15 postgresql-client-15 docker.io busybox-static lz4 zstd gzip openssl man-db python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing Debian packages: ${missing[*]} (run as root to install)" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
