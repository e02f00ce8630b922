#!/usr/bin/env bash
# Proves the README's two commands on a machine that never saw the repo: clones
# the committed HEAD into a new directory and runs `make demo`, `make demo-down`
# and `make test` there with an empty Go module cache, an empty build cache and
# an empty tool cache, on ports of their own, printing each phase's wall time.
# A warm machine hides every missing download step; this does not.
#   FRESH_KEEP=1        keep the directory (caches and logs) even when all passes
#   FRESH_DIR=DIR       continue an earlier check after a fix: its clone moves to
#                       the current HEAD and its caches (filled by that check's
#                       own run, never this machine's) are reused
#   FRESH_PHASES="..."  the phases to run (default: demo demo-down test)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [[ -n "${FRESH_DIR:-}" ]]; then
  work=$FRESH_DIR
  [[ -d "$work/repo/.git" ]] || die "$work holds no earlier fresh check"
  git -C "$work/repo" fetch -q "$REPO_ROOT" HEAD && git -C "$work/repo" reset -q --hard FETCH_HEAD
  log "continuing $work at $(git -C "$work/repo" rev-parse --short HEAD), with the caches it filled"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/fresh-check.XXXXXX")
  git clone -q "$REPO_ROOT" "$work/repo"
  log "fresh clone of $(git -C "$work/repo" rev-parse --short HEAD) in $work/repo"
fi

export GOMODCACHE="$work/gomodcache" GOCACHE="$work/gocache" CLOUDNATIVE_CACHE="$work/tools"
# Module cache files are read-only by default; this lets the check remove them.
export GOFLAGS="-modcacherw"
export ETCD_PORT=25790 APISERVER_PORT=28443 E2E_ETCD_PORT=25792 E2E_APISERVER_PORT=28444
mkdir -p "$GOMODCACHE" "$GOCACHE" "$CLOUDNATIVE_CACHE"

declare -a report=()
phase() {
  local name=$1; shift
  local start=$SECONDS logfile="$work/$name.log"
  log "phase $name: $* (log: $logfile)"
  if (cd "$work/repo" && "$@") >"$logfile" 2>&1; then
    report+=("$(printf '%-10s %6ss  passed' "$name" "$((SECONDS - start))")")
  else
    report+=("$(printf '%-10s %6ss  FAILED' "$name" "$((SECONDS - start))")")
    printf '%s\n' "${report[@]}"
    tail -30 "$logfile" >&2
    (cd "$work/repo" && make demo-down >/dev/null 2>&1) || true
    die "fresh check failed in phase $name; logs and caches kept in $work"
  fi
}

for name in ${FRESH_PHASES:-demo demo-down test}; do
  phase "$name" make "$name"
done

printf '\nfresh check of %s passed (%s):\n' "$(git -C "$work/repo" rev-parse --short HEAD)" \
  "$([[ -n "${FRESH_DIR:-}" ]] && echo "continued with the caches of its own earlier run" || echo "empty module, build and tool caches")"
printf '%s\n' "${report[@]}"
printf 'tool cache: %s, module cache: %s, build cache: %s\n' \
  "$(du -sh "$CLOUDNATIVE_CACHE" | cut -f1)" "$(du -sh "$GOMODCACHE" | cut -f1)" "$(du -sh "$GOCACHE" | cut -f1)"
if [[ -z "${FRESH_KEEP:-}" ]]; then rm -rf "$work"; else log "kept $work"; fi
