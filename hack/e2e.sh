#!/usr/bin/env bash
# Runs the end-to-end tests on a control plane of their own (beside any demo
# cluster), started here and always stopped afterwards. As root, the cluster
# and the tests run in a network namespace made for them: the real node's
# kube-proxy rules, its pods' bridge and every loopback port stay apart from the
# machine's and from a demo's. Arguments go to the test binary (-run X, -v).
set -euo pipefail
# Its ports can be moved (make fresh-check runs beside a developer's own tests).
export CLUSTER_NAME=e2e ETCD_PORT="${E2E_ETCD_PORT:-24790}" APISERVER_PORT="${E2E_APISERVER_PORT:-27443}"
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

netns=""
if [[ $(id -u) -eq 0 ]] && ip netns list >/dev/null 2>&1; then
  netns="cloudnative-$CLUSTER_ID"
fi
# nsenter, not `ip netns exec`: that one also gives a mount namespace of its
# own with /sys remounted, which hides the cgroup mounts the kubelet needs and
# the node's mounts from cluster-down.
inside() { if [[ -n "$netns" ]]; then nsenter --net="/run/netns/$netns" "$@"; else "$@"; fi; }

down() {
  # The cluster's logs outlive it, for a look after a failure.
  [[ -d "$CLUSTER_DIR/logs" ]] && rm -rf "$LOCAL_DIR/e2e-logs" && cp -r "$CLUSTER_DIR/logs" "$LOCAL_DIR/e2e-logs"
  inside bash "$REPO_ROOT/hack/cluster-down.sh" || true
  [[ -z "$netns" ]] || ip netns delete "$netns" 2>/dev/null || true
}
trap down EXIT
down >/dev/null 2>&1

# What the namespace cannot download: every module the cluster scripts and the
# tests build with, and the test binary itself.
go mod download
mkdir -p "$CLUSTER_DIR"
go test -c -tags e2e -o "$LOCAL_DIR/e2e.test" ./tests/e2e
if [[ -n "$netns" ]]; then
  ip netns add "$netns"
  ip -n "$netns" link set lo up
  log "end-to-end cluster and tests in network namespace $netns"
fi
export GOFLAGS="${GOFLAGS:-} -mod=mod" GOPROXY=off
inside bash "$REPO_ROOT/hack/cluster-up.sh"

args=()
for arg in "$@"; do
  case "$arg" in
    -run|-v|-count|-timeout|-failfast) args+=("-test.${arg#-}") ;;
    *) args+=("$arg") ;;
  esac
done
cd tests/e2e
E2E_KUBECONFIG="$CLUSTER_DIR/kubeconfig" E2E_NODE_DIR="$CLUSTER_DIR/node" E2E_MERMAID_JS="$MERMAID_JS" \
  inside "$LOCAL_DIR/e2e.test" -test.count=1 -test.timeout 40m -test.v "${args[@]}"
