#!/usr/bin/env bash
# Measures real etcd (Debian's /usr/bin/etcd) and Etch on this machine in one run, one server at a
# time, with the same etch-bench commands, and prints requests/sec and p99 side by side with the
# Etch/etcd ratio. The watch row is watch-latency: events/sec delivered across all watchers, and the
# p99 of put-to-event latency (from sending the put). Results and server logs go to
# ${OUT:-target/compare-with-etcd}.
#   etch-bench/compare-with-etcd.sh [--total-put N] [--total-range N] [--watchers N] [--watch-puts N] [--watch-rate N]
set -uo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
bench="$root/bin/etch-bench"
out="${OUT:-$root/target/compare-with-etcd}"
total_put=20000 total_range=50000 watchers=1000 watch_puts=2000 watch_rate=200
while [ $# -gt 0 ]; do
  case "$1" in
    --total-put) total_put=$2; shift 2 ;;
    --total-range) total_range=$2; shift 2 ;;
    --watchers) watchers=$2; shift 2 ;;
    --watch-puts) watch_puts=$2; shift 2 ;;
    --watch-rate) watch_rate=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/etcd ] && command -v etcdctl > /dev/null || { echo "needs etcd and etcdctl: apt-get install etcd-server etcd-client" >&2; exit 2; }
mkdir -p "$out"

wait_ready() { # log pid
  for _ in $(seq 1 120); do
    grep -q "ready to serve client requests" "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "server $2 exited" >&2; return 1; }
    sleep 1
  done
  echo "server not ready" >&2; return 1
}

run() { # name port peer-port command...
  local name=$1 port=$2 peer=$3; shift 3
  local data; data=$(mktemp -d)
  "$@" --data-dir "$data" --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "default=http://127.0.0.1:$peer" > "$out/$name-server.log" 2>&1 &
  local pid=$!
  if wait_ready "$out/$name-server.log" $pid; then
    local ep=127.0.0.1:$port
    echo "$name: load before put $(cut -d' ' -f1-3 /proc/loadavg)"
    "$bench" --endpoints $ep put --clients 16 --conns 4 --total "$total_put" --val-size 256 --key-space-size 100000 > "$out/$name-put.txt" 2>&1
    "$bench" --endpoints $ep put --clients 1 --conns 1 --total 2000 --val-size 256 > "$out/$name-put-1client.txt" 2>&1
    ETCDCTL_API=3 etcdctl --endpoints $ep put foo bar > /dev/null
    "$bench" --endpoints $ep range foo --clients 16 --conns 4 --total "$total_range" > "$out/$name-range-l.txt" 2>&1
    "$bench" --endpoints $ep range foo --clients 16 --conns 4 --total "$total_range" --consistency s > "$out/$name-range-s.txt" 2>&1
    "$bench" --endpoints $ep watch-latency --watchers "$watchers" --streams 10 --put-total "$watch_puts" \
      --put-rate "$watch_rate" --key-size 32 --val-size 256 > "$out/$name-watch.txt" 2>&1
  fi
  kill $pid; wait $pid 2>/dev/null
  rm -rf "$data"
}

run etcd 23790 23800 /usr/bin/etcd
run etch 33790 33800 "$root/bin/etch"

# watch-latency prints a second percentile block (from the put's response); the first is from the send.
p99() { grep -m1 '99% in' "$1" 2>/dev/null | awk '{print $3}'; }
rps() { if grep -q 'Events/sec' "$1" 2>/dev/null; then grep -m1 'Events/sec' "$1"; else grep -m1 'Requests/sec' "$1" 2>/dev/null; fi | awk '{print $2}'; }
printf '%-22s %12s %10s %12s %10s %8s %8s\n' test etcd-req/s etcd-p99 etch-req/s etch-p99 rps-x p99-x
for t in put put-1client range-l range-s watch; do
  label=$t; [ "$t" = watch ] && label="watch-${watchers}w(ev/s)"
  a=$(rps "$out/etcd-$t.txt"); b=$(rps "$out/etch-$t.txt"); pa=$(p99 "$out/etcd-$t.txt"); pb=$(p99 "$out/etch-$t.txt")
  printf '%-22s %12s %10s %12s %10s %8s %8s\n' "$label" "$a" "$pa" "$b" "$pb" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN{ if (a>0) printf "%.2f", b/a }')" \
    "$(awk -v a="$pa" -v b="$pb" 'BEGIN{ if (a>0) printf "%.2f", b/a }')"
done
echo "watch: $watchers watchers on one key over 10 streams, $watch_puts puts at $watch_rate/s; req/s is events/sec" \
  "delivered across all watchers, p99 is put-to-event latency from sending the put"
