#!/usr/bin/env bash
# Prints what building the program costs, the price of every `pulumi up` with
# the Go runtime: wall time and the largest process's resident memory of
# `go build`, warm (everything cached, a new output file: a link) for each set of
# cloud targets, median of three. COLD=1 adds a build from an empty cache (about
# eight minutes on two cores).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# measure TAGS [GOCACHE]: prints "seconds peak-MB binary-MB" of one build.
measure() {
  rm -f "$out/program"
  GOCACHE="${2:-$(go env GOCACHE)}" /usr/bin/time -f "%e %M" -o "$out/time" go build -tags "$1" -o "$out/program" .
  read -r seconds kb <"$out/time"
  echo "$seconds $((kb / 1024)) $(($(stat -c %s "$out/program") / 1048576))"
}

median_of_three() {
  measure "$1" >/dev/null # warm the cache for this tag set
  for _ in 1 2 3; do measure "$1"; done | sort -n | sed -n 2p
}

printf '%-28s %10s %10s %10s\n' "cloud targets" "seconds" "peak MB" "binary MB"
for tags in "" "noeks,noaks" "nogke,noaks" "nogke,noeks" "nogke,noeks,noaks"; do
  case "$tags" in
    "") label="gke, eks, aks" ;;
    noeks,noaks) label="gke" ;;
    nogke,noaks) label="eks" ;;
    nogke,noeks) label="aks" ;;
    *) label="none" ;;
  esac
  read -r seconds mb size < <(median_of_three "$tags")
  printf '%-28s %10s %10s %10s\n' "warm: $label" "$seconds" "$mb" "$size"
done

if [[ "${COLD:-}" == 1 ]]; then
  read -r seconds mb size < <(measure "" "$out/cache")
  printf '%-28s %10s %10s %10s\n' "cold: gke, eks, aks" "$seconds" "$mb" "$size"
fi
