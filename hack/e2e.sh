#!/usr/bin/env bash
# Runs the end-to-end tests on a control plane of their own (beside any demo
# cluster), started here and always stopped afterwards.
set -euo pipefail
# Its ports can be moved (make fresh-check runs beside a developer's own tests).
export CLUSTER_NAME=e2e ETCD_PORT="${E2E_ETCD_PORT:-24790}" APISERVER_PORT="${E2E_APISERVER_PORT:-27443}"
source "$(dirname "$0")/lib.sh"
trap 'bash "$REPO_ROOT/hack/cluster-down.sh"' EXIT
bash "$REPO_ROOT/hack/cluster-down.sh" >/dev/null 2>&1 || true
bash "$REPO_ROOT/hack/cluster-up.sh"
cd "$REPO_ROOT"
E2E_KUBECONFIG="$CLUSTER_DIR/kubeconfig" go test -tags e2e -count=1 -timeout 30m -v ./tests/e2e/ "$@"
