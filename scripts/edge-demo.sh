#!/usr/bin/env bash
# Edge-topology demo: one Basalt primary and two read-replica servers (`basalt serve
# --primary URL`), each a separate process. Where the machine allows it, each server gets
# its own network namespace, the replicas reach the primary over veth pairs with added
# latency (tc netem), and each client talks to the server next to it, as an app at the
# edge would. Shows: a write through replica A (one round trip to the primary plus
# catch-up), local reads at A and B, a write on the primary reaching both replicas.
#
# Usage: scripts/edge-demo.sh [--latency-ms N] [--no-netns] [--keep-going]
#   --latency-ms N  one-way latency between each replica and the primary (default 40)
#   --no-netns      force loopback (no namespaces)
#   BASALT_BIN=/path/to/basalt  use this binary (default: build target/release/basalt)
#
# Modes, best first:
#   netns+netem  root, `ip netns`, veth and the netem qdisc all work
#   proxy        loopback; the replica→primary links go through a small python3 delay
#                proxy (used when netem is missing, e.g. a kernel without sch_netem)
#   loopback     no latency emulation at all (a message says so)
# Everything started is stopped on exit (processes, namespaces, veths).
set -euo pipefail

LATENCY_MS=40
USE_NETNS=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

while [[ $# -gt 0 ]]; do
    case "$1" in
        --latency-ms)
            [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { echo "error: --latency-ms needs a whole number of ms" >&2; exit 2; }
            LATENCY_MS=$2; shift 2 ;;
        --latency-ms=*)
            LATENCY_MS=${1#*=}
            [[ "$LATENCY_MS" =~ ^[0-9]+$ ]] || { echo "error: --latency-ms needs a whole number of ms" >&2; exit 2; }
            shift ;;
        --no-netns) USE_NETNS=0; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

for tool in curl; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done

# ---------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/basalt-edge-demo.XXXXXX)
TAG="bed$$"                       # unique per run: namespaces and veths carry it
NS_P="${TAG}-p" NS_A="${TAG}-a" NS_B="${TAG}-b"
PIDS=()
NAMESPACES=()
CLEANED=0

cleanup() {
    [[ $CLEANED -eq 1 ]] && return
    CLEANED=1
    local pid
    for pid in "${PIDS[@]:-}"; do
        [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [[ -z "$pid" ]] && continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    local ns
    for ns in "${NAMESPACES[@]:-}"; do
        # Deleting a namespace deletes the veth ends in it, and so their peers.
        [[ -n "$ns" ]] && ip netns del "$ns" 2>/dev/null || true
    done
    if [[ -n "${KEEP_WORK:-}" ]]; then
        echo "(kept $WORK)"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
    echo "error: $*" >&2
    local f
    for f in "$WORK"/*.log; do
        [[ -s "$f" ]] && { echo "--- $(basename "$f") (last lines)" >&2; tail -n 15 "$f" >&2; }
    done
    exit 1
}

# ---------------------------------------------------------------- the binary
if [[ -n "${BASALT_BIN:-}" ]]; then
    [[ -x "$BASALT_BIN" ]] || die "BASALT_BIN=$BASALT_BIN is not an executable"
else
    BASALT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/basalt"
    echo "building $BASALT_BIN (cargo build --release -p basalt-cli) ..."
    (cd "$ROOT" && cargo build --release -p basalt-cli --quiet) || die "cargo build failed"
fi
BASALT_BIN=$(cd "$(dirname "$BASALT_BIN")" && pwd)/$(basename "$BASALT_BIN")

# ---------------------------------------------------------------- mode
MODE=loopback
netem_works() {
    # A throwaway namespace with a dummy veth pair: does the netem qdisc exist here?
    local ns="${TAG}-probe" ok=1
    ip netns add "$ns" 2>/dev/null || return 1
    if ip -n "$ns" link add probe0 type veth peer name probe1 2>/dev/null \
        && ip netns exec "$ns" tc qdisc add dev probe0 root netem delay 1ms 2>/dev/null; then
        ok=0
    fi
    ip netns del "$ns" 2>/dev/null || true
    return $ok
}
if [[ $USE_NETNS -eq 1 ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "note: not root, so no network namespaces"
    elif ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
        echo "note: ip or tc missing, so no network namespaces"
    elif [[ $LATENCY_MS -eq 0 ]] || netem_works; then
        MODE=netns
    else
        echo "note: network namespaces work but the netem qdisc does not (tc: 'Specified qdisc kind is unknown': kernel without sch_netem)"
    fi
fi
if [[ $MODE == loopback && $LATENCY_MS -gt 0 ]]; then
    if command -v python3 >/dev/null; then
        MODE=proxy
    else
        echo "note: no python3 for the delay proxy either"
    fi
fi
case $MODE in
    netns)    if [[ $LATENCY_MS -gt 0 ]]; then
                  echo "mode: network namespaces + veth + netem, ${LATENCY_MS} ms each way between each replica and the primary"
              else
                  echo "mode: network namespaces + veth, no added latency (--latency-ms 0)"
              fi ;;
    proxy)    echo "mode: LOOPBACK with a userspace delay proxy (python3) adding ${LATENCY_MS} ms each way on the replica→primary links; no namespaces" ;;
    loopback) echo "mode: LOOPBACK, NO LATENCY EMULATION (everything on 127.0.0.1; replica↔primary round trips are sub-millisecond)"; LATENCY_MS=0 ;;
esac

# ---------------------------------------------------------------- helpers
# in_ns NS CMD...: run CMD in namespace NS (or directly, outside netns mode).
in_ns() {
    local ns=$1; shift
    if [[ $MODE == netns ]]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# start_server NAME NS ADDR [serve flags...]: starts `basalt serve`, sets SERVER_URL.
# (Not run in $(...): PIDS must be updated in this shell, for the cleanup.)
start_server() {
    local name=$1 ns=$2 addr=$3; shift 3
    local out="$WORK/$name.out" log="$WORK/$name.log"
    # A simple command (not a shell function) in the background, so that $! is the server
    # itself (`ip netns exec` execs it): the cleanup signals the right process.
    local cmd=("$BASALT_BIN" serve --http-listen-addr "$addr" --data-dir "$WORK/$name-data" "$@")
    [[ $MODE == netns ]] && cmd=(ip netns exec "$ns" "${cmd[@]}")
    "${cmd[@]}" >"$out" 2>"$log" </dev/null &
    local pid=$!
    PIDS+=("$pid")
    local url=""
    for _ in $(seq 300); do
        url=$(grep -o 'listening on http://[^ ]*' "$out" 2>/dev/null | head -n1 | cut -d' ' -f3) || true
        [[ -n "$url" ]] && break
        kill -0 "$pid" 2>/dev/null || die "$name exited during startup"
        sleep 0.05
    done
    [[ -n "$url" ]] || die "$name printed no 'listening on' line within 15 s"
    # Then /health answers.
    for _ in $(seq 300); do
        if in_ns "$ns" curl -fsS -o /dev/null --max-time 2 "$url/health" 2>/dev/null; then
            SERVER_URL=$url; return 0
        fi
        sleep 0.05
    done
    die "$name ($url) did not answer /health within 15 s"
}

# start_proxy NAME LISTEN_HOST TARGET_HOST TARGET_PORT DELAY_MS: sets PROXY_PORT.
start_proxy() {
    local name=$1 host=$2 thost=$3 tport=$4 delay=$5
    python3 -u - "$host" "$thost" "$tport" "$delay" >"$WORK/$name.out" 2>"$WORK/$name.log" <<'PY' &
# Forwards TCP, delivering every chunk DELAY ms after it arrived, in order, each way.
import asyncio, sys
host, thost, tport, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) / 1000

async def pipe(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    async def deliver():
        while True:
            at, data = await queue.get()
            wait = at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            await writer.drain()
    task = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data or None))
            if not data:
                break
        await task
    except (ConnectionError, OSError):
        task.cancel()
    finally:
        writer.close()

async def handle(creader, cwriter):
    try:
        sreader, swriter = await asyncio.open_connection(thost, tport)
    except OSError:
        cwriter.close()
        return
    for w in (cwriter, swriter):
        sock = w.get_extra_info("socket")
        if sock is not None:
            import socket
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await asyncio.gather(pipe(creader, swriter), pipe(sreader, cwriter), return_exceptions=True)

async def main():
    server = await asyncio.start_server(handle, host, 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
PY
    PIDS+=("$!")
    local port=""
    for _ in $(seq 100); do
        port=$(head -n1 "$WORK/$name.out" 2>/dev/null) || true
        [[ "$port" =~ ^[0-9]+$ ]] && { PROXY_PORT=$port; return 0; }
        sleep 0.05
    done
    die "the delay proxy $name did not start"
}

# now_ns: wall clock in nanoseconds.
now_ns() { date +%s%N; }

# sql NS URL SQL: one /v2/pipeline request [execute, close]. Sets RESP (the JSON body) and
# SECS (curl's total time, seconds); fails on a transport or Hrana error.
sql() {
    local ns=$1 url=$2 stmt=$3 body out
    body=$(printf '{"requests":[{"type":"execute","stmt":{"sql":"%s"}},{"type":"close"}]}' "$stmt")
    out=$(in_ns "$ns" curl -sS --max-time 20 -H 'content-type: application/json' \
        -w '\n%{http_code} %{time_total}' -d "$body" "$url/v2/pipeline") \
        || die "curl to $url failed for: $stmt"
    RESP=$(sed '$d' <<<"$out")
    local status
    read -r status SECS <<<"$(tail -n1 <<<"$out")"
    [[ $status == 200 ]] || die "HTTP $status from $url for: $stmt — $RESP"
    if grep -q '"type":"error"' <<<"$RESP"; then
        die "Hrana error from $url for: $stmt — $RESP"
    fi
}

# first_value: the first column value of the first row in RESP ("" when no rows).
first_value() {
    grep -o '"rows":\[\[{[^}]*}' <<<"$RESP" | grep -o '"value":"[^"]*"\|"value":[0-9.-]*' \
        | head -n1 | sed 's/^"value"://; s/^"//; s/"$//' || true
}

ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
ms_ns() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }

# has_row NS URL ID: one light poll (a single curl, no pipes): is row ID there?
has_row() {
    local out
    out=$(in_ns "$1" curl -sS --max-time 5 -H 'content-type: application/json' \
        -d "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT count(*) FROM notes WHERE id = $3\"}},{\"type\":\"close\"}]}" \
        "$2/v2/pipeline" 2>/dev/null) || return 1
    [[ $out == *'"rows":[[{"type":"integer","value":"1"}]]'* ]]
}

# wait_visible ID [B]: polls replicas A and B in turn (only B with a second argument) until
# they show row ID; sets SEEN_A and SEEN_B, the ns from T0 to the end of the first poll
# that saw it, and POLL_NS, the mean time of one poll (the resolution: each poll starts a
# curl process).
wait_visible() {
    local id=$1 polls=0 start
    SEEN_A="" SEEN_B=""
    [[ $# -gt 1 ]] && SEEN_A=skipped
    start=$(now_ns)
    for _ in $(seq 3000); do
        if [[ -z $SEEN_A ]]; then
            polls=$((polls + 1))
            has_row "$NS_A" "$A_URL" "$id" && SEEN_A=$(( $(now_ns) - T0 ))
        fi
        if [[ -z $SEEN_B ]]; then
            polls=$((polls + 1))
            has_row "$NS_B" "$B_URL" "$id" && SEEN_B=$(( $(now_ns) - T0 ))
        fi
        if [[ -n $SEEN_A && -n $SEEN_B ]]; then
            POLL_NS=$(( ($(now_ns) - start) / polls ))
            return 0
        fi
    done
    die "row $id never appeared at both replicas"
}

# ---------------------------------------------------------------- topology
if [[ $MODE == netns ]]; then
    for ns in "$NS_P" "$NS_A" "$NS_B"; do
        ip netns add "$ns" || die "cannot create namespace $ns"
        NAMESPACES+=("$ns")
        ip -n "$ns" link set lo up
    done
    # primary <-> A on 10.77.1.0/30, primary <-> B on 10.77.2.0/30; netem on both ends.
    i=1
    for r in A B; do
        ns_r=$NS_A; [[ $r == B ]] && ns_r=$NS_B
        vp="${TAG}p$i" vr="${TAG}r$i"
        ip link add "$vp" netns "$NS_P" type veth peer name "$vr" netns "$ns_r" \
            || die "cannot create the veth pair for replica $r"
        ip -n "$NS_P" addr add "10.77.$i.1/30" dev "$vp"
        ip -n "$ns_r" addr add "10.77.$i.2/30" dev "$vr"
        ip -n "$NS_P" link set "$vp" up
        ip -n "$ns_r" link set "$vr" up
        if [[ $LATENCY_MS -gt 0 ]]; then
            ip netns exec "$NS_P" tc qdisc add dev "$vp" root netem delay "${LATENCY_MS}ms" \
                || die "tc netem failed on $vp"
            ip netns exec "$ns_r" tc qdisc add dev "$vr" root netem delay "${LATENCY_MS}ms" \
                || die "tc netem failed on $vr"
        fi
        i=$((i + 1))
    done
    start_server primary "$NS_P" 0.0.0.0:8080
    P_URL=http://127.0.0.1:8080      # clients next to the primary
    A_PRIMARY=http://10.77.1.1:8080
    B_PRIMARY=http://10.77.2.1:8080
    start_server replica-a "$NS_A" 127.0.0.1:8080 --primary "$A_PRIMARY"; A_URL=$SERVER_URL
    start_server replica-b "$NS_B" 127.0.0.1:8080 --primary "$B_PRIMARY"; B_URL=$SERVER_URL
    echo "primary   in netns $NS_P, clients use $P_URL; replicas reach it at $A_PRIMARY / $B_PRIMARY"
    echo "replica A in netns $NS_A at $A_URL (its clients run in the same namespace)"
    echo "replica B in netns $NS_B at $B_URL"
else
    NS_P="" NS_A="" NS_B=""
    start_server primary "" 127.0.0.1:0; P_URL=$SERVER_URL
    P_PORT=${P_URL##*:}
    if [[ $MODE == proxy ]]; then
        start_proxy proxy-a 127.0.0.1 127.0.0.1 "$P_PORT" "$LATENCY_MS"
        A_PRIMARY="http://127.0.0.1:$PROXY_PORT"
        start_proxy proxy-b 127.0.0.1 127.0.0.1 "$P_PORT" "$LATENCY_MS"
        B_PRIMARY="http://127.0.0.1:$PROXY_PORT"
    else
        A_PRIMARY=$P_URL B_PRIMARY=$P_URL
    fi
    start_server replica-a "" 127.0.0.1:0 --primary "$A_PRIMARY"; A_URL=$SERVER_URL
    start_server replica-b "" 127.0.0.1:0 --primary "$B_PRIMARY"; B_URL=$SERVER_URL
    echo "primary   at $P_URL"
    echo "replica A at $A_URL, following $A_PRIMARY"
    echo "replica B at $B_URL, following $B_PRIMARY"
fi

# Round trip replica namespace -> primary (a cheap request), to compare with below.
if [[ $MODE == netns ]]; then
    in_ns "$NS_A" curl -fsS -o /dev/null --max-time 10 -w '%{time_total}' "$A_PRIMARY/health" >/dev/null
    RTT=$(in_ns "$NS_A" curl -fsS -o /dev/null --max-time 10 -w '%{time_total}' "$A_PRIMARY/health")
else
    curl -fsS -o /dev/null --max-time 10 "$A_PRIMARY/health"
    RTT=$(curl -fsS -o /dev/null --max-time 10 -w '%{time_total}' "$A_PRIMARY/health")
fi
echo "replica A → primary: GET /health takes $(ms "$RTT") ms (includes TCP connect: 2 round trips)"
echo

# ---------------------------------------------------------------- the demo
declare -a ROWS
row() { ROWS+=("$(printf '| %-50s | %-7s | %13s |' "$1" "$2" "$3")"); }

echo "== schema, created on the primary"
sql "$NS_P" "$P_URL" "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL, origin TEXT NOT NULL)"
row "CREATE TABLE on the primary" primary "$(ms "$SECS")"
T0=$(now_ns)
for url_ns in "$NS_A|$A_URL" "$NS_B|$B_URL"; do
    ns=${url_ns%%|*} url=${url_ns#*|} found=0
    for _ in $(seq 1000); do
        if in_ns "$ns" curl -sS --max-time 5 -H 'content-type: application/json' \
            -d '{"requests":[{"type":"execute","stmt":{"sql":"SELECT count(*) FROM notes"}},{"type":"close"}]}' \
            "$url/v2/pipeline" 2>/dev/null | grep -q '"type":"ok","response":{"type":"execute"'; then
            found=1; break
        fi
        sleep 0.01
    done
    [[ $found -eq 1 ]] || die "the replica at $url never got the table"
done
echo "   both replicas have the table after $(ms_ns $(( $(now_ns) - T0 ))) ms"
echo

echo "== 1. write through replica A (forwarded to the primary; A answers once its own file has it)"
sql "$NS_A" "$A_URL" "INSERT INTO notes(id, body, origin) VALUES (1, 'hello from the edge', 'replica A')"
T0=$(now_ns)
W_A=$SECS
wait_visible 1 B; lag_b=$SEEN_B
echo "   INSERT via replica A: $(ms "$W_A") ms   (≈ one round trip to the primary + its commit + catch-up)"
echo "   replica B has it $(ms_ns "$lag_b") ms after A's INSERT returned (polling B with curl; one poll takes $(ms_ns "$POLL_NS") ms)"
row "INSERT through replica A (forwarded)" "A" "$(ms "$W_A")"
row "A's INSERT -> visible at replica B (after ack)" "B" "$(ms_ns "$lag_b")"

echo "== 2. read it back, locally"
sql "$NS_A" "$A_URL" "SELECT body FROM notes WHERE id = 1"
[[ $(first_value) == "hello from the edge" ]] || die "replica A does not show its own write (read-your-writes): $RESP"
echo "   replica A: '$(first_value)' in $(ms "$SECS") ms (read-your-writes, no round trip)"
row "SELECT at replica A, right after its write" "A" "$(ms "$SECS")"
sql "$NS_B" "$B_URL" "SELECT body FROM notes WHERE id = 1"
echo "   replica B: '$(first_value)' in $(ms "$SECS") ms"
row "SELECT at replica B" "B" "$(ms "$SECS")"

# A few more local reads for a steadier figure.
best=9; sum=0
for i in $(seq 20); do
    sql "$NS_A" "$A_URL" "SELECT body FROM notes WHERE id = 1"
    sum=$(awk -v a="$sum" -v b="$SECS" 'BEGIN { print a + b }')
    best=$(awk -v a="$best" -v b="$SECS" 'BEGIN { print (b < a) ? b : a }')
done
avg=$(awk -v s="$sum" 'BEGIN { print s / 20 }')
echo "   20 more reads at A: mean $(ms "$avg") ms, best $(ms "$best") ms (curl: new connection each time)"
row "SELECT at replica A, mean of 20 (best)" "A" "$(ms "$avg") ($(ms "$best"))"

echo "== 3. write on the primary; watch it arrive at both replicas"
sql "$NS_P" "$P_URL" "INSERT INTO notes(id, body, origin) VALUES (2, 'hello from the primary', 'primary')"
W_P=$SECS
T0=$(now_ns)
echo "   INSERT on the primary (client next to it): $(ms "$W_P") ms"
row "INSERT on the primary (local client)" primary "$(ms "$W_P")"
wait_visible 2; lag_a=$SEEN_A lag_b2=$SEEN_B
echo "   visible at replica A $(ms_ns "$lag_a") ms and at replica B $(ms_ns "$lag_b2") ms after the INSERT returned (polling both with curl in turn; one poll takes $(ms_ns "$POLL_NS") ms)"
row "primary INSERT -> visible at replica A (after ack)" "A" "$(ms_ns "$lag_a")"
row "primary INSERT -> visible at replica B (after ack)" "B" "$(ms_ns "$lag_b2")"

echo "== 4. both replicas agree"
for r in A B; do
    ns=$NS_A url=$A_URL; [[ $r == B ]] && ns=$NS_B url=$B_URL
    sql "$ns" "$url" "SELECT group_concat(id || ':' || origin, ', ') FROM (SELECT * FROM notes ORDER BY id)"
    echo "   replica $r: $(first_value)"
done
echo

echo "== timings (ms, as seen by curl in the client's namespace; mode: $MODE, one-way latency ${LATENCY_MS} ms)"
printf '| %-50s | %-7s | %13s |\n' "operation" "server" "ms"
printf '|%s|%s|%s:|\n' "$(printf -- '-%.0s' $(seq 52))" "$(printf -- '-%.0s' $(seq 9))" "$(printf -- '-%.0s' $(seq 14))"
printf '%s\n' "${ROWS[@]}"
echo
echo "done; stopping everything"
