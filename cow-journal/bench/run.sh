#!/bin/sh
# Journal vs plain FileChannel file on the same disk (JMH; see JournalBench).
# Usage: cow-journal/bench/run.sh [benchmark-name-regex]   e.g. sequential1MiB
# Scratch files go to cow-journal/target (override: BENCH_DIR=/some/dir on the disk to measure).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
mvn -B -q -pl cow-journal -am test-compile
mvn -B -q -pl cow-journal dependency:build-classpath -Dmdep.outputFile="$here/target/bench.cp"
cp="$here/target/test-classes:$here/target/classes:$(cat "$here/target/bench.cp")"
exec java -Dbench.dir="${BENCH_DIR:-$here/target}" -cp "$cp" io.vdisk.journal.bench.BenchMain "$@"
