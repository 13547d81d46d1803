#!/usr/bin/env bash
# Benchmarks chatons-audit against generated fixture worlds of growing size, on loopback.
#
# For each size MEMBERSxSERVICES it starts `chatons-audit world serve --generate SIZE
# --settings-dir DIR` (which writes DIR/flags, one auditor flag per line, and
# DIR/members-file, the path of the generated members file), then runs
# `chatons-audit audit <members flag> FILE <flags> --out DIR/out` under /usr/bin/time and
# prints services/second, wall time, CPU time and peak RSS. It ends with the raw rustls
# handshake baseline (`chatons-audit world bench-handshakes`, which calls
# `world::bench::handshake_baseline`).
#
# Usage: bench/run.sh            (sizes 2x5 20x5 200x5 = 10, 100, 1000 services)
#        SIZES="20x5" bench/run.sh
# Environment: BIN (default target/release/chatons-audit), SIZES, MEMBERS_FLAG (default
# empty: the members file is positional), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-target/release/chatons-audit}
SIZES=${SIZES:-"2x5 20x5 200x5"}
MEMBERS_FLAG=${MEMBERS_FLAG:-}

if [[ -z "${SKIP_BUILD:-}" ]]; then
  cargo build --release --bin chatons-audit >&2
fi

serve_pid=""
cleanup() {
  if [[ -n "$serve_pid" ]]; then kill -INT "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

wait_for() { # file, seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do [[ -s "$1" ]] && return 0; sleep 0.1; done
  echo "timed out waiting for $1" >&2; return 1
}

printf '%-10s %9s %10s %10s %10s %12s\n' size services wall_s cpu_s rss_MiB services/s
for size in $SIZES; do
  members=${size%x*}; per=${size#*x}; services=$(( members * per ))
  dir=$(mktemp -d)
  "$BIN" world serve --generate "$size" --settings-dir "$dir" >"$dir/serve.log" 2>&1 &
  serve_pid=$!
  wait_for "$dir/members-file" 120
  mapfile -t flags <"$dir/flags"
  members_file=$(cat "$dir/members-file")
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" \
    "$BIN" --quiet audit ${MEMBERS_FLAG:+"$MEMBERS_FLAG"} "$members_file" --fail-on never --format json "${flags[@]}" --out "$dir/out" >"$dir/audit.log" 2>&1 || true
  read -r wall user sys rss_kb <"$dir/time"
  awk -v s="$size" -v n="$services" -v w="$wall" -v u="$user" -v y="$sys" -v r="$rss_kb" \
    'BEGIN { printf "%-10s %9d %10.2f %10.2f %10.1f %12.1f\n", s, n, w, u + y, r / 1024, (w > 0 ? n / w : 0) }'
  cleanup; serve_pid=""
  rm -rf "$dir"
done

echo
echo "TLS: raw rustls handshakes (baseline) and the audit's TLS probe against the same listener"
"$BIN" world bench-handshakes --count 2000 --concurrency 32 || echo "(world bench-handshakes not available in this build)"
