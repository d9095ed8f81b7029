#!/bin/sh
# One flush of 1 GiB of random 4 KiB writes against building the same content from scratch
# (see FlushBench). Usage: flusher/bench/run.sh [GiB of writes] [image GiB]
# Scratch files go to flusher/target/flush-bench (override: BENCH_DIR=/dir/on/the/disk/to/measure).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
mvn -B -q -pl flusher test-compile
mvn -B -q -pl flusher dependency:build-classpath -Dmdep.outputFile="$here/target/bench.cp"
cp="$here/target/test-classes:$here/target/classes:$(cat "$here/target/bench.cp")"
exec java -Xmx2g -cp "$cp" io.vdisk.flusher.FlushBench "${BENCH_DIR:-$here/target/flush-bench}" "$@"
