#!/usr/bin/env bash
# rgw-cluster.sh up DIR PORT | down DIR
#
# A throw-away one-node Ceph cluster for the object-archive tests: one monitor, one OSD
# (bluestore on a sparse file), one radosgw (beast, plain HTTP on 127.0.0.1:PORT and TLS on
# 127.0.0.1:PORT+2 with a self-signed certificate for 127.0.0.1) and one S3 user. No mgr, no
# systemd, nothing outside DIR. `up` prints shell lines (also written to DIR/env, mode 0600):
# RGW_ENDPOINT, RGW_TLS_ENDPOINT, RGW_CA_FILE, RGW_ACCESS_KEY, RGW_SECRET_KEY, RGW_REGION.
# `down` kills what `up` started (only processes whose command line names DIR/ceph.conf).
set -euo pipefail

usage() { echo "usage: $0 up DIR PORT | down DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$2

is_live() { # pid: exists and is no zombie (kill -0 succeeds on zombies)
  local state
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

down() {
  [ -d "$dir/run" ] || return 0
  local pids=() pid f
  for f in "$dir"/run/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$dir/ceph.conf" || continue
    pids+=("$pid")
  done
  # Throw-away data: SIGKILL is instant, a clean stop takes seconds per daemon.
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do is_live "$pid" && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  rm -f "$dir"/run/*.pid
}

if [ "$action" = down ]; then
  dir=$(cd "$dir" 2>/dev/null && pwd) || exit 0
  down
  exit 0
fi
[ "$action" = up ] && [ $# -eq 3 ] || usage
port=$3
[[ "$port" =~ ^[0-9]+$ ]] || usage
mon_port=$((port + 1))
tls_port=$((port + 2))
for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool uuidgen curl setsid openssl; do
  command -v "$b" >/dev/null || { echo "rgw-cluster: $b is missing (scripts/install-system-deps.sh installs it)" >&2; exit 1; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Admin sockets are UNIX sockets, whose paths must stay short.
[ ${#dir} -le 80 ] || { echo "rgw-cluster: $dir is too long for admin sockets" >&2; exit 1; }
mkdir -p "$dir"/{mon,osd,run,log}
conf=$dir/ceph.conf
deadline=$(( $(date +%s) + ${RGW_UP_TIMEOUT:-120} ))

fail() {
  echo "rgw-cluster: $*" >&2
  for f in "$dir"/log/*; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  down
  exit 1
}
wait_until() { # description, then a command that succeeds when ready
  local what=$1; shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what did not happen in time"
    sleep 0.2
  done
}
# The TLS endpoint's certificate: self-signed, so it is also the CA file a client must be given.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" > "$dir/log/openssl.out" 2>&1 || fail "openssl could not make a certificate"
key() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
access_key=$(key 20 | tr '[:lower:]' '[:upper:]')
secret_key=$(key 40)
fsid=$(uuidgen)

# One replica, failure domain "osd", 8 placement groups, fast map commits: a single OSD
# must be enough for every pool radosgw creates.
cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
public addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $dir/keyring
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
crash dir = $dir/log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon osd full ratio = .99
mon osd nearfull ratio = .99
mon osd backfillfull ratio = .99
osd failsafe full ratio = .99
mon data avail warn = 1
mon data avail crit = 0
[mon]
mon data = $dir/mon
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $dir/osd
keyring = $dir/osd/keyring
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $(( ${OSD_SIZE_GB:-8} * 1024 * 1024 * 1024 ))
bluestore fsck on mount = false
bluestore cache autotune = false
bluestore cache size = 134217728
osd memory target = 939524096
osd op num shards = 1
osd op num threads per shard = 2
osd scrub min interval = 1000000000
osd scrub max interval = 1000000000
osd deep scrub interval = 1000000000
[client]
admin socket =
[client.rgw]
admin socket = $dir/run/\$name.asok
rgw data = $dir/rgw
rgw frontends = beast endpoint=127.0.0.1:$port ssl_endpoint=127.0.0.1:$tls_port ssl_certificate=$dir/tls.crt ssl_private_key=$dir/tls.key
rgw thread pool size = 64
rgw enable usage log = false
CONF

ceph-authtool "$dir/keyring" --create-keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$dir/keyring" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" > "$dir/log/mon-mkfs.out" 2>&1 \
  || fail "ceph-mon --mkfs failed"

start() { # name command... (foreground daemons in their own session; pid recorded)
  local name=$1; shift
  setsid "$@" -f > "$dir/log/$name.out" 2>&1 < /dev/null &
  echo $! > "$dir/run/$name.pid"
}
ceph_() { timeout 20 ceph -c "$conf" --connect-timeout 5 "$@"; }

start mon ceph-mon -c "$conf" -i a
osd_key=$(ceph-authtool --gen-print-key)
osd_uuid=$(uuidgen)
printf '{"cephx_secret": "%s"}\n' "$osd_key" > "$dir/osd-secret.json"
wait_until "the monitor accepting osd.0" ceph_ osd new "$osd_uuid" -i "$dir/osd-secret.json"
rm -f "$dir/osd-secret.json"
ceph-osd -c "$conf" -i 0 --mkfs --key "$osd_key" --osd-uuid "$osd_uuid" > "$dir/log/osd-mkfs.out" 2>&1 \
  || fail "ceph-osd --mkfs failed"
( umask 077; printf '[osd.0]\n\tkey = %s\n' "$osd_key" > "$dir/osd/keyring" )
start osd ceph-osd -c "$conf" -i 0
osd_up() { ceph_ osd dump 2>/dev/null | grep -q '^osd.0 up'; }
wait_until "osd.0 coming up" osd_up
radosgw-admin -c "$conf" -n client.rgw user create --uid=warmstandby-test --display-name=warmstandby-test \
  --access-key="$access_key" --secret-key="$secret_key" > "$dir/log/user-create.out" 2>&1 \
  || fail "radosgw-admin user create failed"
start rgw radosgw -c "$conf" -n client.rgw
rgw_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/")" = 200 ]; }
wait_until "radosgw answering on 127.0.0.1:$port" rgw_answers

( umask 077; cat > "$dir/env" <<ENV
RGW_ENDPOINT=http://127.0.0.1:$port
RGW_TLS_ENDPOINT=https://127.0.0.1:$tls_port
RGW_CA_FILE=$dir/tls.crt
RGW_ACCESS_KEY=$access_key
RGW_SECRET_KEY=$secret_key
RGW_REGION=us-east-1
ENV
)
cat "$dir/env"
