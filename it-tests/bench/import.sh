#!/usr/bin/env bash
# End-to-end import benchmark: a 1 GiB ext4 image filled from /usr/share (mke2fs -d), stored by
# `vdisk import` and, in the same run and on the same warm file, by borg (lz4), restic and
# casync. Prints wall time and stored bytes of each, and vdisk's ratios to the best of them.
#
# Each tool stores the image RUNS times (default 3), into a new repository each time, by turns;
# the table shows the median time and stored bytes of each (restic's size varies with the chunker
# polynomial it draws for each repository), and every run's figures above it.
#
# Usage: it-tests/bench/import.sh [WORKDIR]      (default /tmp/vdisk-bench; needs root for apt)
# Env:   SIZE (default 1G), SRC (default /usr/share), RUNS (default 3), KEEP=1 keeps WORKDIR.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-/tmp/vdisk-bench}"
size="${SIZE:-1G}"
src="${SRC:-/usr/share}"
runs="${RUNS:-3}"

need=()
command -v borg >/dev/null || need+=(borgbackup)
command -v restic >/dev/null || need+=(restic)
command -v casync >/dev/null || need+=(casync)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
jar="$repo/src/target/vdisk.jar"
[ -f "$jar" ] || (cd "$repo" && mvn -B -q -pl src -am package -DskipTests -Dformatter.skip)

rm -rf "$work" && mkdir -p "$work" && cd "$work"
echo "building a $size ext4 image from $src..." >&2
truncate -s "$size" disk.img
mke2fs -q -F -t ext4 -d "$src" disk.img
cat disk.img > /dev/null   # every tool starts from a warm page cache

# time_of CMD...: runs CMD, prints its wall seconds. Each tool starts with nothing left to write
# back: without the sync, the kernel was still writing the fresh image out during the first
# tool's run (vdisk's).
time_of() {
  local t0 t1
  sync
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
bytes_of() { du -sb "$1" | cut -f1; }

export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export RESTIC_PASSWORD=bench

# run_TOOL: stores disk.img into a new repository; prints "seconds bytes".
run_vdisk() { # through the launcher, as a user runs it (it picks the JVM's collector)
  rm -rf vd && mkdir vd && (cd vd && "$repo/vdisk" init >/dev/null)
  echo "$(time_of "$repo/vdisk" -C vd import ../disk.img disk.vdisk) $(bytes_of vd/.vdisk)"
}
run_borg() {
  rm -rf borg && borg init -e none borg >/dev/null 2>&1
  echo "$(time_of borg create --compression lz4 borg::a disk.img) $(bytes_of borg)"
}
run_restic() {
  rm -rf restic && restic init -q -r restic >/dev/null
  echo "$(time_of restic -q -r restic backup disk.img) $(bytes_of restic)"
}
run_casync() {
  rm -rf casync.castr disk.caibx
  local t
  t=$(time_of casync make --store=casync.castr disk.caibx disk.img)
  echo "$t $(( $(bytes_of casync.castr) + $(bytes_of disk.caibx) ))"
}
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

tools=(vdisk borg restic casync)
declare -A times sizes
for ((i = 1; i <= runs; i++)); do
  for t in "${tools[@]}"; do
    read -r secs bytes < <("run_$t")
    printf 'run %d %-8s %6.2f s %12d bytes\n' "$i" "$t" "$secs" "$bytes" >&2
    times[$t]+="$secs "
    sizes[$t]+="$bytes "
  done
done
for t in "${tools[@]}"; do
  printf -v "t_$t" '%s' "$(tr ' ' '\n' <<<"${times[$t]}" | grep . | median)"
  printf -v "s_$t" '%s' "$(tr ' ' '\n' <<<"${sizes[$t]}" | grep . | median)"
done

used=$(df --output=used -B1 "$work" >/dev/null 2>&1; debugfs -R stats disk.img 2>/dev/null \
  | awk '/^Block count:/{bc=$3} /^Free blocks:/{fb=$3} /^Block size:/{bs=$3} END{print (bc-fb)*bs}')
printf '\nmedian of %d runs\n%-8s %10s %14s\n' "$runs" tool seconds stored_bytes
for t in vdisk borg restic casync; do
  tv="t_$t"; sv="s_$t"
  printf '%-8s %10.2f %14d\n' "$t" "${!tv}" "${!sv}"
done
best_t=$(printf '%s\n' "$t_borg" "$t_restic" "$t_casync" | sort -g | head -1)
best_s=$(printf '%s\n' "$s_borg" "$s_restic" "$s_casync" | sort -n | head -1)
printf '\nimage %s, %d bytes in use by ext4\n' "$size" "$used"
printf 'vdisk speed-up over the fastest peer: %.2fx (target >= 2)\n' "$(echo "$best_t / $t_vdisk" | bc -l)"
printf 'vdisk stored bytes / smallest peer:    %.2f (target <= 1)\n' "$(echo "$s_vdisk / $best_s" | bc -l)"
[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
