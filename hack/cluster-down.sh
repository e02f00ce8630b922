#!/usr/bin/env bash
# Stops the local control plane and deletes its data.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$REPO_ROOT/hack/node-down.sh"
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  pidfile="$CLUSTER_DIR/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
done
rm -rf "$CLUSTER_DIR"
# The demo's stack state described that cluster; it is gone with it.
[[ "$CLUSTER_NAME" == cluster ]] && rm -rf "$LOCAL_DIR/state"
log "local control plane stopped"
