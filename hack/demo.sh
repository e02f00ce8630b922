#!/usr/bin/env bash
# The one-command demo: deploys the local stack onto the running local control
# plane, prints its outputs, shows the Deployments, and leaves it all running.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
kubeconfig="$CLUSTER_DIR/kubeconfig"

log "deploying the local stack through the Pulumi engine (Istio, four services, routing)"
.local/bin/platform up -stack local | sed -n '/^Resources:/,$p'

log "Deployments on the cluster"
kubectl --kubeconfig "$kubeconfig" get deployments -A
log "Istio routing"
kubectl --kubeconfig "$kubeconfig" get gateways.networking.istio.io,virtualservices.networking.istio.io,destinationrules.networking.istio.io -n cloudnative

cat <<DONE

The platform is running on the local control plane.
  Reach it:   export KUBECONFIG=$kubeconfig PATH=$BIN_DIR:\$PATH; kubectl get pods -A
  Change it:  edit Pulumi.local.yaml (e.g. a canary weight), then: make up
  Stop it:    make demo-down
DONE
