#!/usr/bin/env bash
# JMH benchmarks of the venti store's hot paths, then the heap-growth run.
#   venti/bench/jmh.sh [benchmark regexp]   JMH_ARGS overrides the run shape
# BENCH_DIR (default /tmp/vdisk-bench) holds the stores; HEAP_BLOCKS (default 10000000) sets
# the heap-growth run's size (0 skips it).
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -pl venti -am install -DskipTests
mvn -B -q -pl venti test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp \
  -Dmdep.includeScope=test
cp="venti/target/test-classes:venti/target/classes:$(cat venti/target/bench.cp)"
dir="${BENCH_DIR:-/tmp/vdisk-bench}"
mkdir -p "$dir"
java -Dbench.dir="$dir" -cp "$cp" org.openjdk.jmh.Main ${JMH_ARGS:--f 1 -wi 2 -w 3s -i 3 -r 5s -t 2} \
  -bm thrpt -tu s "${1:-io.vdisk.venti.bench.StoreBenchmark}"
if [ "${HEAP_BLOCKS:-10000000}" != 0 ]; then
  rm -rf "$dir/heap"
  java -Xmx256m -cp "$cp" io.vdisk.venti.bench.HeapGrowth "${HEAP_BLOCKS:-10000000}" "$dir/heap"
fi
