#!/usr/bin/env bash
# Measures real etcd 3.4 and 3.5 and Etch on this machine in one run, with the same client
# (etch-bench) and the same loads, one server at a time, 1 member and 3 members, the servers'
# order alternating from round to round. Prints a markdown table with each number and the ratio
# Etch / faster etcd; the client's own CPU use is in the table too (on a small machine a heavy
# client slows every server alike). Raw outputs, server logs, results.tsv and table.md go to --out.
#
#   etch-bench/compare-with-etcd.sh [--quick] [--servers etcd34,etcd35,etch] [--members 1,3]
#       [--rounds N] [--clients N] [--conns N] [--total N] [--total-1client N] [--total-range N]
#       [--rss-keys N] [--watchers N] [--watch-streams N] [--watch-puts N] [--watch-rate N]
#       [--no-failover] [--etcd34 PATH] [--etcd35 PATH] [--etch LAUNCHER] [--out DIR]
#       [--test-timeout SECS]
#
# Per server and round, on a fresh single member: idle RSS (VmRSS of the server process), txn-mixed
# (on the empty store, so that its reads see only its own key and foo), loading --rss-keys keys
# (16 B keys, 256 B values) and the RSS after it, put with 100 clients over 10 connections, put
# with 1 client, txn-put, range of one key (linearizable and serializable), watch-latency,
# lease-keepalive, and the peak RSS (VmHWM) at the end. On a fresh 3-member cluster: put with 100
# clients over all endpoints and with 1 client to the leader, then SIGKILL of the leader and the
# time until a write succeeds again. The table keeps the best of the rounds (highest req/s, lowest
# latency and RSS) and the median of the failover times.
#
# Defaults: 2 rounds, 20,000 requests per write test, 50,000 reads, 200,000 keys loaded (--rss-keys
# 1000000 for 1M), 1,000 watchers; about 9 minutes on 2 cores. --quick: 1 round, small totals,
# about 3 minutes: a smoke test of the tools, not a measurement. etcd 3.5 comes from
# ../shared/tools/etcd-e2e-3.5 --setup unless --etcd35 is given.
set -uo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
bench="$root/bin/etch-bench"
etch="$root/bin/etch"
etcd34=/usr/bin/etcd
etcd35=""
out="${OUT:-$root/target/compare-with-etcd}"
servers=etcd34,etcd35,etch
members_list=1,3
rounds=2
clients=100 conns=10
total=20000 total_1client=1000 total_range=50000
rss_keys=200000
watchers=1000 watch_streams=10 watch_puts=1000 watch_rate=200
failover=1
test_timeout=600
quick=0

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
for a in "$@"; do
  if [ "$a" = --quick ]; then
    # A smoke run: every test once, small (flags given with it still apply); numbers only roughly comparable.
    quick=1 rounds=1 total=3000 total_1client=300 total_range=5000 rss_keys=20000 watchers=100 watch_puts=200 watch_rate=100
  fi
done
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) shift ;;
    --servers) servers=$2; shift 2 ;;
    --members) members_list=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --total) total=$2; shift 2 ;;
    --total-1client) total_1client=$2; shift 2 ;;
    --total-range) total_range=$2; shift 2 ;;
    --rss-keys) rss_keys=$2; shift 2 ;;
    --watchers) watchers=$2; shift 2 ;;
    --watch-streams) watch_streams=$2; shift 2 ;;
    --watch-puts) watch_puts=$2; shift 2 ;;
    --watch-rate) watch_rate=$2; shift 2 ;;
    --no-failover) failover=0; shift ;;
    --etcd34) etcd34=$2; shift 2 ;;
    --etcd35) etcd35=$2; shift 2 ;;
    --etch) etch=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --test-timeout) test_timeout=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "compare-with-etcd: $*" >&2; exit 2; }

# --- servers -------------------------------------------------------------------------------------
etcdctl=$(command -v etcdctl || true)
[ -n "$etcdctl" ] || die "needs etcdctl (apt-get install etcd-client)"
binary_of() {
  case $1 in
    etcd34) echo "$etcd34" ;;
    etcd35) echo "$etcd35" ;;
    etch) echo "$etch" ;;
  esac
}
label_of() { case $1 in etcd34) echo "etcd 3.4" ;; etcd35) echo "etcd 3.5" ;; etch) echo "Etch" ;; esac; }
base_port_of() { case $1 in etcd34) echo 23790 ;; etcd35) echo 24790 ;; etch) echo 33790 ;; esac; }
IFS=, read -r -a want <<< "$servers"
for s in "${want[@]}"; do
  case $s in
    etcd34) [ -x "$etcd34" ] || die "etcd 3.4 not found at $etcd34 (apt-get install etcd-server, or --etcd34 PATH)" ;;
    etcd35)
      if [ -z "$etcd35" ]; then
        setup="$root/../shared/tools/etcd-e2e-3.5"
        [ -x "$setup" ] || die "etcd 3.5: give --etcd35 PATH (or have ../shared/tools/etcd-e2e-3.5)"
        log "finding etcd 3.5 ($setup --setup; builds on first use)"
        etcd35="$("$setup" --setup 2>/dev/null | tail -1)/etcd"
      fi
      [ -x "$etcd35" ] || die "etcd 3.5 not found at $etcd35" ;;
    etch) [ -x "$etch" ] || die "Etch launcher not found at $etch" ;;
    *) die "unknown server $s (etcd34, etcd35, etch)" ;;
  esac
done
IFS=, read -r -a topologies <<< "$members_list"
for n in "${topologies[@]}"; do [ "$n" = 1 ] || [ "$n" = 3 ] || die "--members takes 1 and/or 3"; done

mkdir -p "$out"
rm -f "$out"/r*-*.txt "$out"/*.log "$out/results.tsv" "$out/table.md"
work=$(mktemp -d "${TMPDIR:-/tmp}/compare-with-etcd.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Builds both (bin/etch and bin/etch-bench build themselves when stale) before anything is timed.
log "building etch-bench and Etch if needed"
"$bench" --version > /dev/null || die "etch-bench does not start"
versions=()
for s in "${want[@]}"; do
  b=$(binary_of $s)
  case $s in
    etch) v="Etch $("$b" --version 2>/dev/null | awk '/^Etch Version/{print $3}') ($(git -C "$root" rev-parse --short HEAD 2>/dev/null))" ;;
    *) v="etcd $("$b" --version 2>/dev/null | awk '/^etcd Version/{print $3}') ($b)" ;;
  esac
  versions+=("$v")
done

wait_ready() { # log pid
  for _ in $(seq 1 240); do
    grep -q "ready to serve client requests" "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { log "server $2 exited; see $1"; return 1; }
    sleep 0.5
  done
  log "server $2 not ready after 120 s; see $1"; return 1
}

# start_cluster SERVER MEMBERS: sets pids, eps (comma separated) and pid_list; members on
# base..base+n-1 (client) and base+10.. (peer).
start_cluster() {
  local s=$1 n=$2 b base cl="" i
  b=$(binary_of $s); base=$(base_port_of $s)
  for ((i = 0; i < n; i++)); do cl+="${cl:+,}m$i=http://127.0.0.1:$((base + 10 + i))"; done
  pids=(); eps=""
  for ((i = 0; i < n; i++)); do
    local cp=$((base + i)) pp=$((base + 10 + i)) data="$work/$s-$n-m$i"
    rm -rf "$data"
    "$b" --name m$i --data-dir "$data" \
      --listen-client-urls http://127.0.0.1:$cp --advertise-client-urls http://127.0.0.1:$cp \
      --listen-peer-urls http://127.0.0.1:$pp --initial-advertise-peer-urls http://127.0.0.1:$pp \
      --initial-cluster "$cl" --initial-cluster-token "bench-$s-$n" --initial-cluster-state new \
      > "$out/r$round-$s-${n}m-server-m$i.log" 2>&1 &
    pids+=($!)
    disown $! # no "Killed" notice from the shell when the failover test kills the leader
    eps+="${eps:+,}127.0.0.1:$cp"
  done
  pid_list=$(IFS=,; echo "${pids[*]}")
  for ((i = 0; i < n; i++)); do
    wait_ready "$out/r$round-$s-${n}m-server-m$i.log" "${pids[$i]}" || return 1
  done
  # A leader is there once a write goes through.
  for _ in $(seq 1 60); do
    ETCDCTL_API=3 "$etcdctl" --endpoints "$eps" --command-timeout 5s put foo bar > /dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "$s: no write succeeded after start"; return 1
}

stop_cluster() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  pids=()
  rm -rf "$work/$server-$n-"*
}

# --- measuring -----------------------------------------------------------------------------------
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$n" "$1" "$2" "$3" >> "$out/results.tsv"; }

proc_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null; }

sample_rss() { # key: VmRSS and VmHWM of the first member, in KiB
  local rss hwm
  rss=$(proc_kb "${pids[0]}" VmRSS); hwm=$(proc_kb "${pids[0]}" VmHWM)
  [ -n "$rss" ] && record "$1" rss_kb "$rss" && record "$1" hwm_kb "$hwm"
  log "  $(label_of $server) ${n}m $1: VmRSS $((${rss:-0} / 1024)) MiB, VmHWM $((${hwm:-0} / 1024)) MiB"
}

# run_bench KEY etch-bench-args...: runs one load and records its result lines (the first under
# KEY, further ones under KEY:OP).
run_bench() {
  local key=$1; shift
  local f="$out/r$round-$server-${n}m-$key.txt" first=1 line op kv
  timeout --kill-after=10 "$test_timeout" "$bench" --no-progress --result-line --endpoints "$eps" "$@" > "$f" 2>&1
  local rc=$?
  [ $rc = 0 ] || log "  $(label_of $server) ${n}m $key: etch-bench exited with $rc; see $f"
  while read -r line; do
    op=$(sed -n 's/.* op=\([^ ]*\).*/\1/p' <<< "$line")
    local k=$key; [ $first = 1 ] || k="$key:$op"; first=0
    for kv in $line; do
      case $kv in
        rps=*|p50=*|p99=*|client_cores=*|failed=*|ok=*|secs=*) record "$k" "${kv%%=*}" "${kv#*=}" ;;
      esac
    done
  done < <(grep '^etch-bench-result ' "$f")
  local summary
  summary=$(grep -m1 '^etch-bench-result ' "$f" | awk '{for (i = 2; i <= NF; i++) { split($i, a, "="); v[a[1]] = a[2] }
    if (v["op"] == "failover") printf "writes again after %.2f s", v["secs"];
    else printf "%.0f req/s, p50 %.2f ms, p99 %.2f ms, %d failed, client %.2f cores", v["rps"], v["p50"] * 1000, v["p99"] * 1000, v["failed"], v["client_cores"] }')
  log "  $(label_of $server) ${n}m $key: ${summary:-no result}"
}

one_member() {
  sleep 2
  sample_rss rss-idle
  run_bench txn-mixed txn-mixed --clients $clients --conns $conns --total $total --val-size 256
  run_bench load put --clients $clients --conns $conns --total $rss_keys --key-size 16 --val-size 256 \
    --key-space-size $rss_keys --sequential-keys
  sleep 2
  sample_rss rss-loaded
  run_bench put put --clients $clients --conns $conns --total $total --val-size 256 --key-space-size 100000
  run_bench put-1client put --clients 1 --conns 1 --total $total_1client --val-size 256 --key-space-size 100000
  run_bench txn-put txn-put --clients $clients --conns $conns --total $total --val-size 256 --key-space-size 100000
  run_bench range-l range foo --clients $clients --conns $conns --total $total_range --consistency l
  run_bench range-s range foo --clients $clients --conns $conns --total $total_range --consistency s
  run_bench watch watch-latency --watchers $watchers --streams $watch_streams --conns $conns --total $watch_puts \
    --put-rate $watch_rate --key-size 32 --val-size 256
  run_bench lease-keepalive lease-keepalive --clients $clients --conns $conns --total $total
  sample_rss rss-end
}

three_members() {
  run_bench put put --clients $clients --conns $conns --total $total --val-size 256 --key-space-size 100000
  # One connection goes to one member: the leader's, so that no run depends on which member that is.
  run_bench put-1client --target-leader put --clients 1 --conns 1 --total $total_1client --val-size 256 \
    --key-space-size 100000
  if [ $failover = 1 ]; then
    run_bench failover failover --pids "$pid_list"
  fi
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
for ((round = 1; round <= rounds; round++)); do
  order=("${want[@]}")
  if ((round % 2 == 0)); then # every other round the other way round
    order=(); for ((i = ${#want[@]} - 1; i >= 0; i--)); do order+=("${want[$i]}"); done
  fi
  for n in "${topologies[@]}"; do
    for server in "${order[@]}"; do
      log "round $round/$rounds: $(label_of $server), $n member(s) (load $(cut -d' ' -f1-3 /proc/loadavg))"
      if start_cluster $server $n; then
        if [ $n = 1 ]; then one_member; else three_members; fi
      fi
      stop_cluster
    done
  done
done
elapsed=$(( $(date +%s) - t0 ))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table -----------------------------------------------------------------------------------
# Per server, members, key and metric: the best of the rounds (max for rates, min for the rest;
# client CPU as the mean, failover as the median).
awk -F'\t' '
  { k = $2 FS $3 FS $4 FS $5; n[k]++; v[k, n[k]] = $6 + 0; metric[k] = $5; key[k] = $4 }
  END {
    for (k in n) {
      m = n[k]
      for (i = 1; i <= m; i++) a[i] = v[k, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      if (metric[k] == "rps" || metric[k] == "ok") r = a[m]
      else if (metric[k] == "client_cores") { s = 0; for (i = 1; i <= m; i++) s += a[i]; r = s / m }
      else if (key[k] == "failover") r = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
      else if (metric[k] == "failed") r = a[m]
      else r = a[1]
      print k FS r
    }
  }' "$out/results.tsv" 2>/dev/null > "$out/best.tsv"

get() { # server members key metric
  awk -F'\t' -v s="$1" -v n="$2" -v k="$3" -v m="$4" '$1 == s && $2 == n && $3 == k && $4 == m {print $5; exit}' "$out/best.tsv"
}
fmt() { # value unit
  [ -n "$1" ] || { echo "–"; return; }
  case $2 in
    rps) awk -v x="$1" 'BEGIN { printf "%.0f", x }' ;;
    ms) awk -v x="$1" 'BEGIN { printf "%.2f ms", x * 1000 }' ;;
    mib) awk -v x="$1" 'BEGIN { printf "%.0f MiB", x / 1024 }' ;;
    s) awk -v x="$1" 'BEGIN { printf "%.2f s", x }' ;;
  esac
}
# row LABEL MEMBERS KEY METRIC UNIT BETTER(high|low)
row() {
  local label=$1 n=$2 key=$3 metric=$4 unit=$5 better=$6 cells="" best="" e34 e35 et ratio cpu="" c any=0
  e34=$(get etcd34 $n "$key" $metric); e35=$(get etcd35 $n "$key" $metric); et=$(get etch $n "$key" $metric)
  for v in "$e34" "$e35" "$et"; do [ -n "$v" ] && any=1; done
  [ $any = 1 ] || return 0
  best=$(awk -v a="$e34" -v b="$e35" -v h="$better" 'BEGIN {
    if (a == "" && b == "") exit; if (a == "") { print b; exit } if (b == "") { print a; exit }
    if (h == "high") print (a + 0 > b + 0 ? a : b); else print (a + 0 < b + 0 ? a : b) }')
  ratio=$(awk -v e="$et" -v b="$best" 'BEGIN { if (e != "" && b != "" && b + 0 > 0) printf "%.2f", e / b; else printf "–" }')
  if [ "$metric" != rss_kb ] && [ "$metric" != hwm_kb ] && [ "$key" != failover ]; then
    for s in etcd34 etcd35 etch; do
      c=$(get $s $n "${key%%:*}" client_cores)
      cpu+="${cpu:+ / }$(awk -v x="$c" 'BEGIN { if (x == "") printf "–"; else printf "%.2f", x }')"
    done
  else
    cpu="–"
  fi
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$(fmt "$e34" $unit)" "$(fmt "$e35" $unit)" "$(fmt "$et" $unit)" "$ratio" "$cpu"
}

cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/{printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
java_v=$(java -version 2>&1 | head -1)
{
  echo "## Etch vs etcd, $started"
  echo
  echo "- Machine: $(nproc) cores, $cpu_model, $mem RAM, $(uname -sr); load average $load_start at the start, $load_end at the end."
  echo "- Servers: $(IFS=';'; echo "${versions[*]}" | sed 's/;/, /g'); default flags, data on $(df -P "$work" | awk 'NR==2{print $1}')."
  echo "- Client: etch-bench ($(git -C "$root" rev-parse --short HEAD 2>/dev/null)), ${ETCH_BENCH_JAVA_OPTS:-default JVM options}, $java_v; same commands for every server."
  [ $quick = 0 ] || echo "- **--quick**: small totals, one round; a smoke test of the tools, not a measurement."
  echo "- $rounds round(s), servers in alternating order; best of the rounds (highest req/s, lowest latency and RSS), failover as the median; took $((elapsed / 60)) min $((elapsed % 60)) s."
  echo "- Loads: $clients clients over $conns connections unless 1 client; 256 B values; put and txn-put on 100,000 keys of 8 B;"
  echo "  txn-mixed with etcd's defaults (--rw-ratio 1, reads of the whole key space with --limit 1000, writes to 1 key)"
  echo "  on an empty store; range of one key ($total_range reads); watch-latency: $watchers watchers on $watch_streams streams,"
  echo "  $watch_puts puts at $watch_rate/s, latency from sending the put to each watcher's event; RSS after loading"
  echo "  $rss_keys keys (16 B keys, 256 B values); 3 members: 100 clients over all endpoints, 1 client to the leader;"
  echo "  failover: SIGKILL of the leader of 3 to the first successful put."
  echo
  echo "Ratio: Etch / faster etcd (the higher req/s, or the lower latency, RSS, time). Client CPU: cores etch-bench kept busy during the load (etcd 3.4 / etcd 3.5 / Etch)."
  echo
  echo "| test | etcd 3.4 | etcd 3.5 | Etch | ratio | client CPU |"
  echo "|---|---|---|---|---|---|"
  row "put, $clients clients, 1 member: req/s" 1 put rps rps high
  row "put, $clients clients, 1 member: p50" 1 put p50 ms low
  row "put, $clients clients, 1 member: p99" 1 put p99 ms low
  row "put, $clients clients, 3 members: req/s" 3 put rps rps high
  row "put, $clients clients, 3 members: p50" 3 put p50 ms low
  row "put, $clients clients, 3 members: p99" 3 put p99 ms low
  row "put, 1 client, 1 member: p50" 1 put-1client p50 ms low
  row "put, 1 client, 3 members: p50" 3 put-1client p50 ms low
  row "txn-put, $clients clients: req/s" 1 txn-put rps rps high
  row "txn-put, $clients clients: p99" 1 txn-put p99 ms low
  row "txn-mixed, $clients clients: txn/s" 1 txn-mixed rps rps high
  row "txn-mixed, $clients clients: p99" 1 txn-mixed p99 ms low
  row "range 1 key, linearizable, $clients clients: req/s" 1 range-l rps rps high
  row "range 1 key, linearizable, $clients clients: p99" 1 range-l p99 ms low
  row "range 1 key, serializable, $clients clients: req/s" 1 range-s rps rps high
  row "range 1 key, serializable, $clients clients: p99" 1 range-s p99 ms low
  row "watch-latency, $watchers watchers: p99" 1 watch p99 ms low
  row "watch-latency, $watchers watchers: events/s" 1 watch rps rps high
  row "lease-keepalive, $clients clients: req/s" 1 lease-keepalive rps rps high
  row "load $rss_keys keys, $clients clients: req/s" 1 load rps rps high
  row "RSS idle" 1 rss-idle rss_kb mib low
  row "RSS after loading $rss_keys keys" 1 rss-loaded rss_kb mib low
  row "peak RSS (VmHWM) after all 1-member tests" 1 rss-end hwm_kb mib low
  row "leader kill → writes again (3 members)" 3 failover secs s low
  failed=$(awk -F'\t' '$5 == "failed" && $6 > 0 && $4 != "failover" {printf "%s %sm %s: %s failed; ", $2, $3, $4, $6}' "$out/results.tsv" 2>/dev/null)
  [ -z "$failed" ] || { echo; echo "Failed requests: $failed"; }
} | tee "$out/table.md"
echo
echo "Raw outputs in $out"
