#!/usr/bin/env bash
# Gateway benchmark: the same chat request, non-streaming and streaming, at
# each concurrency, sent in one run to
#   direct      the mock upstream itself (the baseline),
#   bare-proxy  a bare httputil.ReverseProxy in front of it (the upper bound),
#   bulwark     `bulwark serve` in front of it (login, token, limits, audit),
#   portkey     the Portkey AI gateway in front of it (the peer), when npm can
#               install it.
# Prints a Markdown report and writes it to bench/gateway/results.md
# (bench/gateway/profiles/results.md when PROFILE=1).
#
# Usage: bash bench/gateway/run.sh
# Settings (environment):
#   DURATION=10     seconds measured per measurement
#   WARMUP=2        seconds of warm-up before each (not recorded)
#   CONCURRENCY="32 1"  closed-loop workers, one measurement each
#   CHUNKS=20       content chunks per streamed answer
#   GAP=0s          pause between streamed chunks (Go duration)
#   PORTKEY=1       0 skips Portkey
#   GUARDS_OFF=1    also measure Bulwark with every guard off (app bench-noguards,
#                   same server), to show what the guards cost; 0 skips it
#   PROFILE=0       1 runs the gateway with CPU profiling (bench/gateway/profserve)
#                   and writes one Go CPU profile per Bulwark measurement to
#                   bench/gateway/profiles/ (read with go tool pprof)
#   QUIET_WAIT=15   seconds to wait, before each measurement, for the machine
#                   to be quiet (others using < 0.25 cores); 0 does not wait
#   LIFETIME        seconds after which every process started here is stopped
#                   (default: the longest the run can take, plus 10 minutes)
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONCURRENCY=${CONCURRENCY:-"32 1"}
CHUNKS=${CHUNKS:-20}
GAP=${GAP:-0s}
PORTKEY=${PORTKEY:-1}
GUARDS_OFF=${GUARDS_OFF:-1}
PROFILE=${PROFILE:-0}
QUIET_WAIT=${QUIET_WAIT:-15}
measurements=$((5 * 2 * $(wc -w <<<"$CONCURRENCY")))
LIFETIME=${LIFETIME:-$((600 + measurements * (DURATION + WARMUP + QUIET_WAIT + 10)))}
PORTKEY_VERSION=1.15.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-gwbench.XXXXXX")"
bin="$work/bin"
pids=()  # the `timeout` processes started here
kids=()  # the processes they run

log() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  trap - EXIT
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  for pid in "${kids[@]}" "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME DIR CMD…: runs CMD in DIR in the background under `timeout`,
# output in $work/NAME.log.
start() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && exec timeout -k 5 "$LIFETIME" "$@") >"$work/$name.log" 2>&1 &
  pids+=("$!")
}

# child_pid VAR: sets VAR to the process the last `timeout` started runs,
# once it runs, and remembers it for the cleanup.
child_pid() {
  local i c
  for i in $(seq 50); do
    c="$(pgrep -P "${pids[-1]}" | head -n1 || true)"
    if [ -n "$c" ]; then
      kids+=("$c")
      printf -v "$1" '%s' "$c"
      return 0
    fi
    sleep 0.1
  done
  log "no process under timeout ${pids[-1]}"
  return 1
}

# wait_file FILE SECONDS: until FILE exists and is not empty.
wait_file() {
  local i
  for i in $(seq $(($2 * 10))); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# ---- build ----------------------------------------------------------------
log "building into $bin"
mkdir -p "$bin"
(
  cd "$repo"
  timeout 600 go build -o "$bin/bulwark" ./cmd/bulwark
  timeout 600 go build -o "$bin/" ./bench/gateway/mockupstream ./bench/gateway/bareproxy \
    ./bench/gateway/load ./bench/gateway/report
  [ "$PROFILE" = 0 ] || timeout 600 go build -o "$bin/" ./bench/gateway/profserve
)

# ---- mock upstream and bare proxy -----------------------------------------
start mock "$work" "$bin/mockupstream" -addr 127.0.0.1:0 -addr-file "$work/mock.addr" -chunks "$CHUNKS" -gap "$GAP"
wait_file "$work/mock.addr" 10 || { cat "$work/mock.log" >&2; log "the mock upstream did not start"; exit 1; }
mock="$(cat "$work/mock.addr")"
child_pid mock_pid
start bare "$work" "$bin/bareproxy" -addr 127.0.0.1:0 -addr-file "$work/bare.addr" -upstream "http://$mock"
wait_file "$work/bare.addr" 10 || { cat "$work/bare.log" >&2; log "the bare proxy did not start"; exit 1; }
bare="$(cat "$work/bare.addr")"
child_pid bare_pid
log "mock upstream on $mock, bare proxy on $bare"

# ---- bulwark ----------------------------------------------------------------
data="$work/bulwark"
mkdir -p "$data"
"$bin/bulwark" admin genkey "$data/master.key" 2>/dev/null
# Limits high enough never to refuse the benchmark: it measures their cost,
# not their effect. Login throttling too, since each measurement logs in.
cat >"$data/bulwark.yaml" <<EOF
server:
  addr: 127.0.0.1:0
storage:
  driver: sqlite
  dsn: $data/bulwark.db
secrets:
  master_key_file: $data/master.key
auth:
  login_per_account: {limit: 100000, per: 1m, burst: 1000}
  login_per_ip: {limit: 100000, per: 1m, burst: 1000}
providers:
  - {name: mock, type: openai, base_url: "http://$mock/v1", auth_style: none}
models:
  - {name: bench-chat, provider: mock, upstream: gpt-4o-mini}
limits:
  user: {requests_per_minute: 10000000, concurrent_streams: 100000, tokens_per_day: 1000000000000}
  device: {requests_per_minute: 10000000, concurrent_streams: 100000, tokens_per_day: 1000000000000}
  app: {requests_per_minute: 10000000, concurrent_streams: 100000, tokens_per_day: 1000000000000}
apps:
  - {id: bench-app, models: ["*"]}
  - id: bench-noguards
    models: ["*"]
    guards:
      injection: {action: "off"}
      indirect_injection: {action: "off"}
      pii: {action: "off"}
      secrets: {action: "off"}
      output_pii: {action: "off"}
      output_secrets: {action: "off"}
      system_prompt_leak: {action: "off"}
log: {level: warn}
EOF
BENCH_PASSWORD="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export BENCH_PASSWORD
bench_user=bench@example.com
printf '%s\n' "$BENCH_PASSWORD" | timeout 120 "$bin/bulwark" admin create-user "$bench_user" --config "$data/bulwark.yaml" >/dev/null
prof_dir="$here/profiles"
if [ "$PROFILE" = 0 ]; then
  start bulwark "$work" "$bin/bulwark" serve --config "$data/bulwark.yaml"
else
  rm -rf "$prof_dir" && mkdir -p "$prof_dir"
  start bulwark "$work" env BENCH_PROFILE_DIR="$prof_dir" "$bin/profserve" serve --config "$data/bulwark.yaml"
fi
child_pid bulwark_pid
for _ in $(seq 100); do
  grep -q 'gateway listening on' "$work/bulwark.log" 2>/dev/null && break
  sleep 0.1
done
bulwark="$(sed -n 's/.*gateway listening on \([0-9.:]*\).*/\1/p' "$work/bulwark.log" | head -n1)"
[ -n "$bulwark" ] || { cat "$work/bulwark.log" >&2; log "bulwark did not start"; exit 1; }
log "bulwark on $bulwark"

# ---- portkey ----------------------------------------------------------------
portkey=""
portkey_skip=""
pk_dir="$here/.portkey"
setup_portkey() {
  if [ "$PORTKEY" = 0 ]; then portkey_skip="PORTKEY=0 was set"; return; fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    portkey_skip="node and npm are not installed"; return
  fi
  mkdir -p "$pk_dir"
  local want
  want="$(cat "$here/portkey/package-lock.json")"
  if [ ! -f "$pk_dir/node_modules/@portkey-ai/gateway/package.json" ] ||
    [ "$(cat "$pk_dir/package-lock.json" 2>/dev/null)" != "$want" ]; then
    cp "$here/portkey/package.json" "$here/portkey/package-lock.json" "$pk_dir/"
    log "installing @portkey-ai/gateway@$PORTKEY_VERSION into $pk_dir (npm ci)"
    # Its only install script is patch-package, which has no patches to apply.
    if ! (cd "$pk_dir" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund) >"$work/npm.log" 2>&1; then
      portkey_skip="npm ci failed: $(tail -n 3 "$work/npm.log" | tr '\n' ' ')"; return
    fi
  fi
  cp "$here/portkey/listen-localhost.cjs" "$pk_dir/"
  start portkey "$pk_dir" env BENCH_ADDR_FILE="$work/portkey.addr" \
    node -r ./listen-localhost.cjs node_modules/@portkey-ai/gateway/build/start-server.js --port=0
  child_pid portkey_pid || { portkey_skip="it did not start"; return; }
  if ! wait_file "$work/portkey.addr" 30; then
    portkey_skip="it did not start: $(tail -n 3 "$work/portkey.log" | tr '\n' ' ')"; return
  fi
  local addr code
  addr="$(cat "$work/portkey.addr")"
  code="$(curl -s -o "$work/portkey.smoke" -w '%{http_code}' --max-time 10 "http://$addr/v1/chat/completions" \
    -H 'Content-Type: application/json' -H 'x-portkey-provider: openai' -H "x-portkey-custom-host: http://$mock/v1" \
    -H 'Authorization: Bearer dummy' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}' || true)"
  if [ "$code" != 200 ] || ! grep -q '"choices"' "$work/portkey.smoke"; then
    portkey_skip="its first request answered HTTP $code: $(head -c 200 "$work/portkey.smoke" 2>/dev/null)"; return
  fi
  portkey="$addr"
  log "portkey $(node -p "require('$pk_dir/node_modules/@portkey-ai/gateway/package.json').version") on $portkey"
}
setup_portkey
[ -z "$portkey_skip" ] || log "SKIPPING Portkey: $portkey_skip"

# busy_centicores: CPU the whole machine used over the last second, in
# hundredths of a core (from /proc/stat, USER_HZ = 100).
busy_centicores() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat)
  echo $((b - a))
}

# wait_quiet: between measurements nothing of ours runs, so what the
# machine does is someone else's; wait up to QUIET_WAIT seconds for it to
# stop.
wait_quiet() {
  local waited=0 busy
  while :; do
    busy=$(busy_centicores)
    [ "$busy" -lt 25 ] && return 0
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      log "the machine is still busy (others use $busy% of a core); measuring anyway"
      return 0
    fi
    [ "$waited" = 0 ] && log "the machine is busy (others use $busy% of a core); waiting up to ${QUIET_WAIT}s"
    waited=$((waited + 1))
  done
}

# ---- measurements -----------------------------------------------------------
results="$work/results.jsonl"
: >"$results"
failed=0
measure() {
  local target=$1 mode=$2 c=$3
  local args=(-c "$c" -d "${DURATION}s" -warmup "${WARMUP}s" -target "$target")
  [ "$mode" = stream ] && args+=(-stream)
  case $target in
  direct) args+=(-url "http://$mock/v1/chat/completions" -model gpt-4o-mini -cpu-pid "target=$mock_pid") ;;
  bare-proxy) args+=(-url "http://$bare/v1/chat/completions" -model gpt-4o-mini -cpu-pid "target=$bare_pid") ;;
  bulwark) args+=(-url "http://$bulwark/v1/chat/completions" -model bench-chat -cpu-pid "target=$bulwark_pid"
    -login-url "http://$bulwark/v1/auth/login" -username "$bench_user" -app bench-app) ;;
  bulwark-noguards) args+=(-url "http://$bulwark/v1/chat/completions" -model bench-chat -cpu-pid "target=$bulwark_pid"
    -login-url "http://$bulwark/v1/auth/login" -username "$bench_user" -app bench-noguards) ;;
  portkey) args+=(-url "http://$portkey/v1/chat/completions" -model gpt-4o-mini -cpu-pid "target=$portkey_pid"
    -H "x-portkey-provider: openai" -H "x-portkey-custom-host: http://$mock/v1" -H "Authorization: Bearer dummy") ;;
  esac
  [ "$target" = direct ] || args+=(-cpu-pid "mock=$mock_pid")
  [ "$QUIET_WAIT" = 0 ] || wait_quiet
  log "measuring $target, $mode, C=$c (${WARMUP}s warm-up + ${DURATION}s)"
  local profiling=""
  if [ "$PROFILE" != 0 ] && [ "$target" = bulwark ] && [ -s "$prof_dir/pid" ]; then
    profiling="$prof_dir/bulwark-$mode-c$c.pprof"
    echo "bulwark-$mode-c$c" >"$prof_dir/label"
    kill -USR1 "$(cat "$prof_dir/pid")"
  fi
  if ! timeout -k 5 $((DURATION + WARMUP + 90)) "$bin/load" "${args[@]}" >>"$results" 2>>"$work/load.log"; then
    failed=1
    tail -n 1 "$work/load.log" >&2
  fi
  if [ -n "$profiling" ]; then
    kill -USR2 "$(cat "$prof_dir/pid")"
    wait_file "$profiling.done" 10 || log "profile $profiling was not completed"
    rm -f "$profiling.done"
    (cd "$repo" && go tool pprof -top -nodecount=40 "$bin/profserve" "$profiling" >"${profiling%.pprof}.top.txt" 2>&1) || true
    log "CPU profile: $profiling (top: ${profiling%.pprof}.top.txt)"
  fi
}
targets=(direct bare-proxy bulwark)
[ "$GUARDS_OFF" = 0 ] || targets+=(bulwark-noguards)
[ -n "$portkey" ] && targets+=(portkey)
for mode in non-stream stream; do
  for c in $CONCURRENCY; do
    for t in "${targets[@]}"; do measure "$t" "$mode" "$c"; done
  done
done
if grep -qiE 'panic|fatal|error' "$work/bulwark.log"; then
  log "bulwark logged errors during the run:"
  grep -iE 'panic|fatal|error' "$work/bulwark.log" | head -n 5 >&2
fi

# ---- report -----------------------------------------------------------------
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
# This folder is left out: the report it writes is part of it.
changed="$(git -C "$repo" status --porcelain -- . ':!bench/gateway' 2>/dev/null | wc -l)"
[ "$changed" = 0 ] || commit="$commit, with uncommitted changes in $changed files"
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
meta=(
  -meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  -meta "commit=$commit"
  -meta "machine=$(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  -meta "toolchain=$(go version | cut -d' ' -f3)$(command -v node >/dev/null && echo ", node $(node --version)")"
  -meta "settings=${WARMUP} s warm-up + ${DURATION} s per measurement; streams of $CHUNKS chunks, gap $GAP; concurrency $CONCURRENCY; waiting up to ${QUIET_WAIT} s before each measurement for a quiet machine"
  -meta "request=one user message, max_tokens 64; bulwark: logged in once per measurement, Authorization: Bearer, app bench-app, SQLite, audit on, limits set high"
)
notes=(
  -note "Everything runs on the same $(nproc) CPUs: the load generator, the target and the mock upstream compete for them, so req/s is what the whole chain reaches on this machine, not a gateway alone; a target that spends less CPU leaves more to the others."
  -note "The load generator sends no Accept-Encoding, so no target compresses; connections are kept alive (pool ≥ 2×C)."
  -note "Bulwark runs its whole request path here: token verification, app and model authorization, rate/concurrency/budget limits (in memory), and one audit event per request written to SQLite, and the default guards (prompt injection, PII and secrets on the prompt; secrets and system-prompt leaks on the answer, streams included); bulwark-noguards is the same server and request through an app with every guard off. No DPoP or attestation is configured."
)
if [ -n "$portkey" ]; then
  notes+=(-note "Portkey @portkey-ai/gateway@$PORTKEY_VERSION on node $(node --version), @hono/node-server pinned to 1.13.8 (streaming breaks with later versions), bound to 127.0.0.1 by a preload, headers x-portkey-provider: openai and x-portkey-custom-host. Its stream transformer sleeps 25 ms before the first streamed chunk, which its TTFB includes.")
else
  notes+=(-note "Portkey was NOT measured in this run: $portkey_skip.")
fi
[ "$failed" = 0 ] || notes+=(-note "At least one measurement FAILED (more than 1% errors, or no answer); see its row.")
raw="$(cat "$results")"
{
  "$bin/report" -in "$results" "${meta[@]}" "${notes[@]}"
  printf '\n<details><summary>Raw results (one JSON line per measurement)</summary>\n\n```json\n%s\n```\n\n</details>\n' "$raw"
} >"$work/results.md"
# A profiled gateway is slower: its report is kept apart from the evidence.
out="$here/results.md"
[ "$PROFILE" = 0 ] || out="$prof_dir/results.md"
cp "$work/results.md" "$out"
cat "$out"
log "written to $out"
exit "$failed"
