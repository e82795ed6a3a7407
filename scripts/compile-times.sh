#!/usr/bin/env bash
# Compile time of the generated crate per provider feature and with every
# feature (debug, this machine), with dependencies (paygen-runtime included,
# with that feature set) pre-built:
#   cold        — `cargo clean -p paygen`, then build;
#   incremental — touch the provider's module (every module for `all`), then build.
# Each is the best of RUNS runs (default 3): on a shared machine the fastest
# run is the one least disturbed. `cpu` is user + system time of the cold
# build, which load on other cores moves less than wall time.
# The last row is paygen-runtime alone (all features), cold.
# Usage: scripts/compile-times.sh [feature…]   (default: every provider, then all)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
providers=(klix klarna_customer_token klarna_payments payone klavi)
features=("$@")
[ ${#features[@]} -gt 0 ] || features=("${providers[@]}" all)

# `time` of one build: "wall cpu" in seconds.
timed() {
  local out
  out=$( { /usr/bin/time -f '%e %U %S' cargo build -q -p paygen --no-default-features --features "$1" >/dev/null; } 2>&1 | tail -n 1)
  awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' <<<"$out"
}
best() { sort -n -k1,1 | head -n 1; }
best_cpu() { sort -n -k2,2 | head -n 1 | awk '{ print $2 }'; }

printf '%-24s %10s %10s %16s %8s\n' feature "cold (s)" "cpu (s)" "incremental (s)" lines
for f in "${features[@]}"; do
  if [ "$f" = all ]; then
    set_=$(IFS=,; echo "${providers[*]}")
    files=("${providers[@]/#/generated/src/}"); files=("${files[@]/%/.rs}")
  else
    set_=$f
    files=("generated/src/$f.rs")
  fi
  # Warm the dependencies with this feature set.
  cargo build -q -p paygen --no-default-features --features "$set_" >/dev/null
  cold=$(for _ in $(seq "$runs"); do
    cargo clean -q -p paygen
    timed "$set_"
  done)
  incr=$(for _ in $(seq "$runs"); do
    touch "${files[@]}"
    timed "$set_"
  done)
  lines=$(cat "${files[@]}" | wc -l)
  printf '%-24s %10s %10s %16s %8s\n' "$f" "$(best <<<"$cold" | cut -d' ' -f1)" "$(best_cpu <<<"$cold")" \
    "$(best <<<"$incr" | cut -d' ' -f1)" "$lines"
done
# The runtime itself, every capability on (what `all` depends on); a
# checkout from before the runtime crate (0.1) has none.
[ -d runtime ] || exit 0
rt=$(for _ in $(seq "$runs"); do
  cargo clean -q -p paygen-runtime
  { /usr/bin/time -f '%e %U %S' cargo build -q -p paygen-runtime --all-features >/dev/null; } 2>&1 | tail -n 1 |
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }'
done)
printf '%-24s %10s %10s %16s %8s\n' "paygen-runtime (all)" "$(best <<<"$rt" | cut -d' ' -f1)" "$(best_cpu <<<"$rt")" "-" \
  "$(cat runtime/src/*.rs | wc -l)"
