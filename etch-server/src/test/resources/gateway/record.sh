#!/usr/bin/env bash
# Records the gateway goldens from a real etcd (3.4) started here on spare ports:
#   etch-server/src/test/resources/gateway/record.sh
# Each line of cases.tsv is sent in order with curl to a fresh member; each answer is kept as
# <name>.golden: the status line, the Content-Type, an empty line, then the body as sent.
# The watch cases (watch_*.golden) are recorded at the end: a watch stream held open with curl -N
# while another request writes.
set -euo pipefail
cd "$(dirname "$0")"
ETCD=${ETCD:-etcd}
PORT=${PORT:-32379}
E=http://127.0.0.1:$PORT
DATA=$(mktemp -d)
"$ETCD" --data-dir "$DATA" --listen-client-urls $E --advertise-client-urls $E \
    --listen-peer-urls http://127.0.0.1:$((PORT + 1)) --initial-advertise-peer-urls http://127.0.0.1:$((PORT + 1)) \
    --initial-cluster default=http://127.0.0.1:$((PORT + 1)) >"$DATA.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
until curl -sf $E/health >/dev/null; do sleep 0.2; done

record() { # name method path body [curl options]
    local name=$1 method=$2 path=$3 body=$4; shift 4
    local args=(-s -N -X "$method" -D "$name.headers" -o "$name.body" "$@")
    [ -n "$body" ] && args+=(--data-binary "$body")
    curl "${args[@]}" "$E$path" || true
    {
        head -1 "$name.headers" | tr -d '\r' | cut -d' ' -f1-2 | sed 's/^HTTP\/1.1/HTTP/'
        grep -i '^content-type:' "$name.headers" | tr -d '\r' | sed 's/^[^:]*:/Content-Type:/' || true
        echo
        cat "$name.body"
    } >"$name.golden"
    rm -f "$name.headers" "$name.body"
}

while IFS=$'\t' read -r name method path body; do
    case "$name" in ''|'#'*) continue ;; esac
    record "$name" "$method" "$path" "$body"
done <cases.tsv

# A watch from now on foo: the stream stays open after the request body ends; a put is an event.
record watch_put POST /v3/watch '{"create_request":{"key":"Zm9v"}}' --max-time 3 &
WATCH=$!
sleep 1
curl -s -X POST $E/v3/kv/put --data-binary '{"key":"Zm9v","value":"cXV4"}' >/dev/null
wait $WATCH
# A watch from a compacted revision is created, then canceled with the compact revision.
record watch_compacted POST /v3/watch '{"create_request":{"key":"Zm9v","start_revision":"2"}}' --max-time 2
# Two watches in one body; the second replays history with prev_kv; a bad third request is dropped.
record watch_two_requests POST /v3/watch '{"create_request":{"key":"Zm9v","start_revision":"4"}} {"create_request":{"key":"ZA==","start_revision":"4","prev_kv":true,"watch_id":"7"}} {bad' --max-time 2
record watch_bad_json POST /v3/watch '{"create_request":{"key":"!!"}}' --max-time 2
# A watch open while the server stops: the stream ends with an error object (no newline after it).
record watch_server_stops POST /v3/watch '{"create_request":{"key":"Zm9v"}}' --max-time 5 &
WATCH=$!
sleep 1
kill -TERM $PID
wait $WATCH
