#!/usr/bin/env bash
# Overload check (issue 12, section 4): does the client shed cleanly at twice its capacity?
#
#   bench/Load/overload.sh                # from the repository root; about 2 minutes; needs dotnet and jq
#   LATENCY_MS=10 DURATION=10s WARMUP=2s TIMEOUT=5s OUT=perf-results/overload bench/Load/overload.sh
#
# Scenario: the embedded test service in its own process adds LATENCY_MS to every call; the client has 64 workers.
#  1. capacity  = closed loop, 64 callers: the achieved calls/s (the measured closed-loop maximum)
#  2. unloaded  = open loop at 0.5 x capacity: its p99 is the reference
#  3. 2x wait   = open loop at 2 x capacity, queue mode wait (the old default): accepted p99, errors
#  4. 2x shed   = open loop at 2 x capacity, queue mode shed (the new default): accepted p99, share shed
#  5. time to shed = the 2x shed run again without warmup: when the first call was refused (QueueFull), after the
#     load began
# Goal: accepted p99 at 2x (shed) <= 3 x unloaded p99, the excess refused with QueueFullException, not timed out.
# Runs 3-5 expect errors (that is the point), so their error gate is lifted with --max-error-rate 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v jq >/dev/null || { echo "overload.sh needs jq" >&2; exit 2; }

LATENCY_MS=${LATENCY_MS:-10}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
TIMEOUT=${TIMEOUT:-5s}
OUT=${OUT:-perf-results/overload-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

dotnet build bench -c Release -nologo -v q >/dev/null
bench() { dotnet bench/bin/Release/net10.0/Cortex.Mcp.Fast.Bench.dll load --latency-ms "$LATENCY_MS" --timeout "$TIMEOUT" "$@"; }

# run NAME ARGS...: one load run into $OUT/NAME; prints its JSON summary's path (the exit code is in the JSON's "passed").
run() {
  local name=$1; shift
  bench --out "$OUT/$name" "$@" > "$OUT/$name.log" 2>&1 || true
  ls "$OUT/$name"/*-load.json
}

capacity_json=$(run capacity --concurrency 64 --duration "$DURATION" --warmup "$WARMUP")
capacity=$(jq '.achieved_rate | floor' "$capacity_json")
half=$(( capacity / 2 )); double=$(( capacity * 2 ))

unloaded_json=$(run unloaded --rate "$half" --duration "$DURATION" --warmup "$WARMUP")
wait_json=$(run double-wait --rate "$double" --duration "$DURATION" --warmup "$WARMUP" --queue-mode wait --max-error-rate 1)
shed_json=$(run double-shed --rate "$double" --duration "$DURATION" --warmup "$WARMUP" --queue-mode shed --max-error-rate 1)
onset_json=$(run time-to-shed --rate "$double" --duration "$DURATION" --warmup 0 --queue-mode shed --max-error-rate 1)

ms() { jq -r "($1) / 1000 | . * 10 | round / 10" "$2"; }
share() { jq -r "([.errors_by_kind[] | select(.kind == \"$1\") | .count] | add // 0) / .scheduled * 1000 | round / 10" "$2"; }
unloaded_p99=$(jq '.p99_us' "$unloaded_json")

{
  echo "# Overload check $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(jq -r '"\(.machine.cores) cores, \(.machine.os), \(.machine.dotnet)"' "$capacity_json"); load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)."
  echo "Scenario: embedded service (separate process), ${LATENCY_MS} ms per call, 64 client workers, ${DURATION} measured after ${WARMUP} warmup, ${TIMEOUT} call deadline."
  echo
  echo "| run | offered calls/s | accepted calls/s | p50 ms | p99 ms | p99 / unloaded p99 | refused (QueueFull) | timed out | other errors | failed calls p99 ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for pair in "closed loop C=64:$capacity_json" "0.5x open:$unloaded_json" "2x open, wait:$wait_json" "2x open, shed:$shed_json"; do
    name=${pair%%:*}; file=${pair#*:}
    offered=$(jq -r '.rate // "closed"' "$file")
    echo "| $name | $offered | $(jq '.achieved_rate | round' "$file") | $(ms .p50_us "$file") | $(ms .p99_us "$file") | $(jq -r ".p99_us / $unloaded_p99 * 10 | round / 10" "$file")x | $(share QueueFull "$file") % | $(share CallTimeout "$file") % | $(jq -r '([.errors_by_kind[] | select(.kind != "QueueFull" and .kind != "CallTimeout") | .count] | add // 0)' "$file") | $(ms .failed_p99_us "$file") |"
  done
  echo
  echo "Capacity (closed-loop maximum): ${capacity} calls/s. Time to shed (2x, shed mode, no warmup): first QueueFull $(jq -r '[.errors_by_kind[] | select(.kind == "QueueFull") | .first_at_ms][0] // "never"' "$onset_json") ms after the load began; accepted p99 of that run $(ms .p99_us "$onset_json") ms."
  echo
  echo "Files: one directory per run under $OUT (JSON, Markdown, HdrHistogram log, SVG) and its console log."
} | tee "$OUT/summary.md"
