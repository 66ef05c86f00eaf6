#!/usr/bin/env bash
# Records the golden outputs of session.tsv from real etcdctl 3.5 against a fresh single-member
# etcd 3.5 (client port 23791, peer port 23801), one NAME.txt per call:
#
#   exit=N
#   --- stdout
#   <what etcdctl printed on stdout; base64 for -w protobuf calls>
#   --- stderr
#   <what it printed on stderr, without zap's JSON log lines, which carry timestamps>
#
# The tests replay the session through etchctl and compare after normalising what differs between
# two servers by nature: the cluster and member ids, lease ids, TTLs still running down, the time an
# endpoint health check took, and the sizes and indexes endpoint status reports (see Golden.java).
#
# Usage: record.sh [DIR-WITH-etcd-AND-etcdctl]   (default: the folder `etcd-e2e-3.5 --setup` prints)
# RECORD_CLIENT=bin/etchctl RECORD_OUT=DIR record.sh runs the same session through another client
# (against the same real etcd) into DIR, to compare with the goldens by hand.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${1:-}"
if [ -z "$bin" ]; then
  bin="$("$here/../../../../../../shared/tools/etcd-e2e-3.5" --setup | tail -1)"
fi
etcd="$bin/etcd"
etcdctl="$bin/etcdctl"
out_dir="${RECORD_OUT:-$here}"
client="${RECORD_CLIENT:-$etcdctl}"
"$etcdctl" version | grep -q '^etcdctl version: 3\.5\.' || { echo "record.sh: $etcdctl is not etcdctl 3.5" >&2; exit 1; }

work="$(mktemp -d)"
endpoint=127.0.0.1:23791
"$etcd" --name golden --data-dir "$work/data" \
  --listen-client-urls "http://$endpoint" --advertise-client-urls "http://$endpoint" \
  --listen-peer-urls http://127.0.0.1:23801 --initial-advertise-peer-urls http://127.0.0.1:23801 \
  --initial-cluster golden=http://127.0.0.1:23801 --initial-cluster-token golden-token \
  >"$work/etcd.log" 2>&1 &
etcd_pid=$!
trap 'kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  ETCDCTL_API=3 "$etcdctl" --endpoints "$endpoint" endpoint health >/dev/null 2>&1 && break
  sleep 0.1
done

member=$(ETCDCTL_API=3 "$etcdctl" --endpoints "$endpoint" member list | cut -d, -f1)
lease=0
rm -f "$out_dir"/*.txt
cd "$work"
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  IFS=$'\t' read -r -a fields <<<"$line"
  name=${fields[0]} stdin=${fields[1]}
  args=() envs=()
  for a in "${fields[@]:2}"; do
    a=${a//\$LEASE/$lease}; a=${a//\$MEMBER/$member}; a=${a//\$ENDPOINT/$endpoint}
    [ "$a" = "''" ] && a=""
    case "$a" in ENV:*) envs+=("${a#ENV:}"); continue ;; esac
    args+=("$a")
  done
  [ "$stdin" = "-" ] && stdin=""
  epenv="ETCDCTL_ENDPOINTS=$endpoint"
  case " ${args[*]} " in *" --endpoints "*) epenv="ETCDCTL_API=3" ;; esac
  timed="" hold=""
  case "$name" in *@*) timed=${name#*@}; name=${name%@*} ;; *~*) hold=${name#*~}; name=${name%~*} ;; esac
  set +e
  if [ -n "$timed" ]; then
    printf '%b' "$stdin" | env ETCDCTL_API=3 "$epenv" "${envs[@]}" \
      timeout -s TERM "$timed" "$client" "${args[@]}" >out 2>err
  elif [ -n "$hold" ]; then
    { printf '%b' "$stdin"; sleep "$hold"; } | env ETCDCTL_API=3 "$epenv" "${envs[@]}" \
      "$client" "${args[@]}" >out 2>err
  else
    printf '%b' "$stdin" | env ETCDCTL_API=3 "$epenv" "${envs[@]}" \
      "$client" "${args[@]}" >out 2>err
  fi
  code=$?
  set -e
  if grep -qE '^lease [0-9a-f]{16} granted' out; then
    lease=$(sed -nE 's/^lease ([0-9a-f]{16}) granted.*/\1/p' out | head -1)
  elif [ "${args[0]:-} ${args[1]:-}" = "lease grant" ] && grep -qE '"ID" ?:' out; then
    lease=$(printf '%016x' "$(grep -oE '"ID" ?: ?[0-9]+' out | head -1 | grep -oE '[0-9]+$')")
  fi
  {
    echo "exit=$code"
    echo "--- stdout"
    case "$name" in *protobuf*) base64 -w 76 out ;; *) cat out ;; esac
    echo
    echo "--- stderr"
    grep -v '^{"level"' err || true
  } >"$out_dir/$name.txt"
done <"$here/session.tsv"
echo "recorded $(ls "$out_dir"/*.txt | wc -l) calls into $out_dir" >&2
