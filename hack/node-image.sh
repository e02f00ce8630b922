#!/usr/bin/env bash
# hack/node-image.sh REF [KEY=VALUE...]
# Builds a sample image (.../<app>:<version>) and imports it into the local
# cluster's real node, as a pipeline would push it to a registry. With
# KEY=VALUE, the image carries them in its environment: the faulty canaries
# of docs/delivery.md (TEST_ERROR_PERCENT=30: 30% of answers are 503s;
# TEST_LATENCY_MS=600: every answer held 600 ms).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
[[ $# -ge 1 ]] || die "usage: hack/node-image.sh REF [KEY=VALUE...]"
ref=$1; shift
socket="$CLUSTER_DIR/node/containerd.sock"
[[ -S "$socket" ]] || die "no real node runs: run make demo first"
args=(-image "$ref")
if [[ $# -gt 0 ]]; then
  args=()
  for env in "$@"; do args+=(-env "$ref=$env"); done
fi
for tarball in $(go run ./hack/nodeimages -out "$LOCAL_DIR/node-images" "${args[@]}"); do
  ctr --address "$socket" -n k8s.io images import --no-unpack=false "$tarball" >/dev/null
done
log "$ref${*:+ (with $*)} is on the real node"
