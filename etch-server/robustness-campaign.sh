#!/usr/bin/env bash
# Runs the fault-history scenario (ClusterFaultHistoryIT: three packaged members, writers and
# readers on every member, SIGSTOP of the leader and kill -9/restart, the history checked for
# duplicates, lost writes, gaps, stale reads, real-time order and watch guarantees) N times, each
# with a new random seed, and prints one line per run. A failing run's seed replays its fault
# schedule and client choices (process timing still varies):
#
#   etch-server/robustness-campaign.sh [N]          # default 100 runs, about 70 s each on 2 cores
#   ETCH_SEED=-6079702968507167236 etch-server/robustness-campaign.sh 1
#
# Reports of every run go to etch-server/target/robustness/<seed>.txt.
set -uo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
runs=${1:-100}
out="$root/etch-server/target/robustness"
mkdir -p "$out"
cd "$root"
echo "building once..." >&2
mvn -B -q -pl etch-server -am package -DskipTests || exit 1
passed=0 failed=0 failures=()
for i in $(seq 1 "$runs"); do
  seed=${ETCH_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
  seed=$((seed))   # as a signed 64-bit number, as Java reads it
  start=$(date +%s)
  mvn -B -q -o -pl etch-server failsafe:integration-test failsafe:verify -Dit.test=ClusterFaultHistoryIT \
      -Detch.fault.seed="$seed" > "$out/$seed.log" 2>&1
  rc=$?
  cp etch-server/target/failsafe-reports/io.etch.process.ClusterFaultHistoryIT-output.txt "$out/$seed.txt" 2>/dev/null
  report=$(grep -h "REPORT seed" "$out/$seed.txt" 2>/dev/null | sed 's/^.*REPORT //' | cut -c1-240)
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); status=PASS
  else
    failed=$((failed + 1)); status=FAIL; failures+=("$seed")
  fi
  echo "run $i/$runs $status seed=$seed $(( $(date +%s) - start ))s ${report:-no report, see $out/$seed.log}"
done
echo "campaign: $passed passed, $failed failed${failures:+; failing seeds: ${failures[*]}}"
[ "$failed" -eq 0 ]
