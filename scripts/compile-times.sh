#!/usr/bin/env bash
# Compile time of the generated crate per provider feature (debug, this
# machine), with dependencies pre-built:
#   cold        — `cargo clean -p paygen`, then build;
#   incremental — touch the provider's module, then build.
# Usage: scripts/compile-times.sh [feature…]   (default: every provider)
set -euo pipefail
cd "$(dirname "$0")/.."
features=("$@")
[ ${#features[@]} -gt 0 ] || features=(klix klarna_customer_token klarna_payments payone klavi)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Warm the dependencies once.
cargo build -q -p paygen --no-default-features --features "$(IFS=,; echo "${features[*]}")" >/dev/null

printf '%-24s %10s %14s %8s\n' feature "cold (s)" "incremental (s)" lines
for f in "${features[@]}"; do
  cargo clean -q -p paygen
  t0=$(now); cargo build -q -p paygen --no-default-features --features "$f"; t1=$(now)
  touch "generated/src/$f.rs"
  t2=$(now); cargo build -q -p paygen --no-default-features --features "$f"; t3=$(now)
  printf '%-24s %10s %14s %8s\n' "$f" "$(secs "$t0" "$t1")" "$(secs "$t2" "$t3")" "$(wc -l < "generated/src/$f.rs")"
done
cargo clean -q -p paygen
t0=$(now); cargo build -q -p paygen --no-default-features; t1=$(now)
printf '%-24s %10s %14s %8s\n' "(runtime only)" "$(secs "$t0" "$t1")" "-" "-"
