#!/usr/bin/env bash
# NBD throughput of `vdisk serve` against nbdkit's file plugin serving the same image as a raw
# file, in one run: nbdcopy streaming read and write of SIZE (default 1 GiB), and qemu-img bench
# 4 KiB requests at queue depths 1 and 16 (a stride of 9973 blocks scatters them over the disk,
# qemu-img bench having no random mode). Prints each figure and vdisk's ratio to nbdkit.
#   it-tests/bench/nbd.sh [SIZE_MIB]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
size_mib="${1:-1024}"
command -v nbdkit >/dev/null && command -v nbdcopy >/dev/null && command -v qemu-img >/dev/null \
  || "$here/it-tests/install-deps.sh"
[ -f "$here/src/target/vdisk.jar" ] || (cd "$here" && mvn -B -q -pl src -am package -DskipTests)
work="$(mktemp -d /tmp/vdisk-nbd-bench.XXXXXX)"
vpid=""; kpid=""
trap 'kill $vpid $kpid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
# through the launcher, as a user runs it (its JVM flags and class-data archive)
vdisk() { "$here/vdisk" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "preparing a ${size_mib} MiB image (half random, half text)..." >&2
head -c $((size_mib / 2))M /dev/urandom > "$work/disk.raw"
{ yes "vdisk nbd benchmark line of text" || true; } | head -c $((size_mib / 2))M >> "$work/disk.raw"
cp "$work/disk.raw" "$work/plain.raw"
mkdir "$work/root"
vdisk -C "$work/root" init >/dev/null
vdisk -C "$work/root" import "$work/disk.raw" vm.vdisk >/dev/null
rm "$work/disk.raw"

vport=$(free_port); kport=$(free_port); nport=$(free_port)
# 9P stays on: `vdisk flush` below reaches the server through it.
# the launcher execs java, so $! is the server
start_vdisk() { # start_vdisk N: the Nth server started on this log
  "$here/vdisk" serve --9p 127.0.0.1:$nport --nbd 127.0.0.1:$vport "$work/root" \
    2>>"$work/serve.log" & vpid=$!
  for i in $(seq 100); do
    [ "$(grep -c "serving vdisk root" "$work/serve.log")" -ge "$1" ] && break; sleep 0.2
  done
  sleep 1
}
touch "$work/serve.log"
start_vdisk 1
nbdkit --exit-with-parent -f -i 127.0.0.1 -p $kport file "$work/plain.raw" & kpid=$!
V="nbd://127.0.0.1:$vport/vm.vdisk"; K="nbd://127.0.0.1:$kport"

secs() { local t0=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $t0" | bc -l; }
# CPU seconds (user + system) a process has used: each server's cost, apart from the client's
# and from whatever else the host runs, which moves the wall times from run to run
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
rate() { echo "scale=1; $1 / $2" | bc -l; }
row() { printf "%-34s %12s %12s %8s\n" "$1" "$2" "$3" "$(echo "scale=2; $2 / $3" | bc -l)"; }
# server CPU seconds of the runs of the row above, all runs summed
cpu_row() { printf "%-34s %12.2f %12.2f\n" "  server CPU s, all runs" "$1" "$2"; }
# Runs vdisk's and nbdkit's command in turn, $runs times each, and keeps each one's best time in
# t_v and t_k: on two cores shared with the client, single runs vary by a third.
runs=3
least() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0) ? a : b }'; }
best_of() { # best_of VDISK_CMD... -- NBDKIT_CMD...
  local v=() k=() i t c0; while [ "$1" != -- ]; do v+=("$1"); shift; done; shift; k=("$@")
  t_v=1e9; t_k=1e9; c_v=0; c_k=0
  for i in $(seq $runs); do
    c0=$(cpu_of $vpid); t_v=$(least "$(secs "${v[@]}")" $t_v)
    c_v=$(echo "$c_v + $(cpu_of $vpid) - $c0" | bc -l)
    c0=$(cpu_of $kpid); t_k=$(least "$(secs "${k[@]}")" $t_k)
    c_k=$(echo "$c_k + $(cpu_of $kpid) - $c0" | bc -l)
  done
}

head -c ${size_mib}M /dev/urandom > "$work/in.raw"
sync
printf "%-34s %12s %12s %8s\n" "benchmark" "vdisk" "nbdkit" "ratio"
# The first read finds vdisk's block cache cold (nbdkit's file is in the page cache already,
# written just before); the later ones find both warm, as 9p.sh measures.
c0=$(cpu_of $vpid); t_v=$(secs nbdcopy "$V" "$work/out-v.raw"); c_v=$(echo "$(cpu_of $vpid) - $c0" | bc -l)
c0=$(cpu_of $kpid); t_k=$(secs nbdcopy "$K" "$work/out-k.raw"); c_k=$(echo "$(cpu_of $kpid) - $c0" | bc -l)
cmp "$work/out-v.raw" "$work/out-k.raw" || { echo "exports differ!" >&2; exit 1; }
rm -f "$work/out-v.raw" "$work/out-k.raw"
row "nbdcopy first read MiB/s" "$(rate $size_mib $t_v)" "$(rate $size_mib $t_k)"
cpu_row $c_v $c_k
# The same from cold for both, as after a reboot: a fresh vdisk server, and the page cache
# dropped before each server's read. vdisk writes its arenas around the page cache (O_DIRECT),
# so above it read them from the disk while nbdkit's file sat in memory. Needs root.
if [ -w /proc/sys/vm/drop_caches ]; then
  kill $vpid; wait $vpid 2>/dev/null || true
  start_vdisk 2
  sync; echo 3 > /proc/sys/vm/drop_caches
  t_v=$(secs nbdcopy "$V" "$work/out-v.raw"); rm -f "$work/out-v.raw"
  sync; echo 3 > /proc/sys/vm/drop_caches
  t_k=$(secs nbdcopy "$K" "$work/out-k.raw"); rm -f "$work/out-k.raw"
  row "nbdcopy first read, all cold MiB/s" "$(rate $size_mib $t_v)" "$(rate $size_mib $t_k)"
fi
# Steady state: a fresh server's first ten 1 GiB reads took 1.10 0.38 0.34 0.32 0.30 0.29
# 0.29 0.27 0.27 0.24 s while the JIT compiled its read path, and the server has just been
# restarted for the row above. So each server first reads 10 GiB untimed, as a server that
# has run for a while has; the rows above are the cold ones.
for i in $(seq 10); do nbdcopy "$V" null:; nbdcopy "$K" null:; done
runs=5 best_of nbdcopy "$V" null: -- nbdcopy "$K" null:
row "nbdcopy read, warm MiB/s (best of 5)" "$(rate $size_mib $t_v)" "$(rate $size_mib $t_k)"
cpu_row $c_v $c_k
# What nbdcopy wrote sits in vdisk's journal until the flusher moves it into the store. Each
# write is followed by a `vdisk flush`, timed on its own row, so that no write (nor the 4 KiB
# runs below) shares the CPU with the flush of the one before. The write path is compiled
# during the writes themselves (perf put the C2 compiler at half the server's samples in the
# third), so the writes get five runs too.
vdisk -C "$work/root" flush >/dev/null # stops the run here if the CLI cannot reach the server
# Nor may the flusher start on its own inside a timed write. With the default policy it did:
# a write of SIZE crossed the 1 GiB dirty-bytes threshold at its last requests (one commit per
# write in the server's log, and best writes of 0.61-0.71 s against 0.53-0.58 s without), and
# the 30 s timer can fire in any run. The flushes still happen, on the row of their own.
vdisk -C "$work/root" policy vm.vdisk --flush-every 1h --dirty-bytes $((4 * size_mib))M \
  >/dev/null
t_v=1e9; t_k=1e9; flushes=""; each_v=""; each_k=""; cpu_v=""; cpu_k=""
two() { printf "%.2f" "$1"; }
for i in $(seq 5); do
  c0=$(cpu_of $vpid); t=$(secs nbdcopy "$work/in.raw" "$V"); t_v=$(least "$t" $t_v)
  each_v="$each_v $(two "$t")"; cpu_v="$cpu_v $(two "$(echo "$(cpu_of $vpid) - $c0" | bc -l)")"
  t0=$(date +%s.%N); vdisk -C "$work/root" flush >/dev/null
  flushes="$flushes $(two "$(echo "$(date +%s.%N) - $t0" | bc -l)")"
  c0=$(cpu_of $kpid); t=$(secs nbdcopy "$work/in.raw" "$K"); t_k=$(least "$t" $t_k)
  each_k="$each_k $(two "$t")"; cpu_k="$cpu_k $(two "$(echo "$(cpu_of $kpid) - $c0" | bc -l)")"
done
row "nbdcopy write MiB/s (best of 5)" "$(rate $size_mib $t_v)" "$(rate $size_mib $t_k)"
printf "%-34s %s\n" "  each vdisk write, s" "$each_v" "  vdisk server CPU, s" "$cpu_v" \
  "  each nbdkit write, s" "$each_k" "  nbdkit server CPU, s" "$cpu_k" \
  "  vdisk flush after each write, s" "$flushes"
rm -f "$work/in.raw"

# The first read pass touches blocks no one has read since the flush (cold for vdisk).
stride=$((4096 * 9973))
for depth in 1 16; do
  n=$(( depth == 1 ? 20000 : 60000 ))
  for mode in read write; do
    w=""; [ $mode = write ] && w="-w"
    best_of qemu-img bench -f raw -c $n -d $depth -s 4096 -S $stride $w "$V" \
      -- qemu-img bench -f raw -c $n -d $depth -s 4096 -S $stride $w "$K"
    row "4 KiB $mode depth $depth IOPS" "$(rate $n $t_v)" "$(rate $n $t_k)"
    cpu_row $c_v $c_k
  done
done
