#!/usr/bin/env bash
# 9P read throughput of vdiskfs (`vdisk serve`) against diod serving the same image as a plain
# file, in one run: a streaming read of SIZE (default 1 GiB) with `diodcat -m 1048576`, and
# READERS (default 4) diodcat processes reading it at once. Each figure is the best of RUNS
# (default 3) after one warm-up read, so both servers read from the page cache. Prints MiB/s and
# the ratio vdiskfs/diod.
#   it-tests/bench/9p.sh [SIZE_MIB] [READERS] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
size_mib="${1:-1024}"; readers="${2:-4}"; runs="${3:-3}"
command -v diod >/dev/null && command -v diodcat >/dev/null || "$here/it-tests/install-deps.sh"
[ -f "$here/src/target/vdisk.jar" ] || (cd "$here" && mvn -B -q -pl src -am package -DskipTests)
work="$(mktemp -d /tmp/vdisk-9p-bench.XXXXXX)"
vpid=""; dpid=""
trap 'kill $vpid $dpid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
# through the launcher, as a user runs it (its JVM flags and class-data archive)
vdisk() { "$here/vdisk" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "preparing a ${size_mib} MiB image (half random, half text)..." >&2
mkdir "$work/root" "$work/plain"
head -c $((size_mib / 2))M /dev/urandom > "$work/plain/vm.raw"
{ yes "vdisk 9p benchmark line of text" || true; } | head -c $((size_mib / 2))M >> "$work/plain/vm.raw"
vdisk -C "$work/root" init >/dev/null
vdisk -C "$work/root" import "$work/plain/vm.raw" vm.vdisk >/dev/null 2>&1

vport=$(free_port); dport=$(free_port)
# the launcher execs java, so $! is the server and the trap stops it
"$here/vdisk" serve --9p 127.0.0.1:$vport --nbd off "$work/root" \
  2>"$work/serve.log" & vpid=$!
# -n no auth, -N no user database, -S/-U: every attach runs as root (we may be root here).
diod -f -n -N -S -U "$(id -un)" -L stderr -e "$work/plain" -l 127.0.0.1:$dport \
  2>"$work/diod.log" & dpid=$!
for i in $(seq 150); do grep -q "serving vdisk root" "$work/serve.log" && break; sleep 0.2; done
sleep 1

V=(-s 127.0.0.1:$vport -a / -m 1048576); D=(-s 127.0.0.1:$dport -a "$work/plain" -m 1048576)
now() { date +%s.%N; }
# one reader; prints seconds
one() { local t0; t0=$(now); diodcat "$@" >/dev/null; echo "$(now) - $t0" | bc -l; }
# $readers readers at once; prints seconds until the last is done
many() { local t0; t0=$(now); for _ in $(seq "$readers"); do diodcat "$@" >/dev/null & done; wait; echo "$(now) - $t0" | bc -l; }
best() { local b=""; for _ in $(seq "$runs"); do t=$("$@"); if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi; done; echo "$b"; }
rate() { echo "scale=1; $1 / $2" | bc -l; }
row() { printf "%-36s %10s %10s %7s\n" "$1" "$2" "$3" "$(echo "scale=2; $2 / $3" | bc -l)"; }

diodcat "${V[@]}" vm.vdisk | cmp - "$work/plain/vm.raw" || { echo "vdiskfs read differs!" >&2; exit 1; }
diodcat "${D[@]}" vm.raw | cmp - "$work/plain/vm.raw" || { echo "diod read differs!" >&2; exit 1; }

printf "%-36s %10s %10s %7s\n" "diodcat -m 1048576, ${size_mib} MiB" "vdiskfs" "diod" "ratio"
t_v=$(best one "${V[@]}" vm.vdisk); t_d=$(best one "${D[@]}" vm.raw)
row "1 reader MiB/s" "$(rate "$size_mib" "$t_v")" "$(rate "$size_mib" "$t_d")"
t_v=$(best many "${V[@]}" vm.vdisk); t_d=$(best many "${D[@]}" vm.raw)
row "$readers readers, total MiB/s" "$(rate $((size_mib * readers)) "$t_v")" \
  "$(rate $((size_mib * readers)) "$t_d")"
