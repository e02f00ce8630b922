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

# Real answers from the real node, through each Service's NodePort on 127.0.0.1.
if [[ -f "$CLUSTER_DIR/node/ready" ]]; then
  log "the services answer (real pods on $REAL_NODE_NAME, through kube-proxy on 127.0.0.1)"
  namespace=$(.local/bin/platform outputs -stack local | sed -n 's/^  "namespace": "\(.*\)",$/\1/p')
  try=() silent=()
  while read -r name port; do
    [[ -n "$port" ]] || continue
    answer=$(curl -sS -m 5 "http://127.0.0.1:$port/" 2>&1 | grep -oE '\{"service".*\}|service=[^<]*' | head -1 || true)
    printf '  %-22s %s\n' "$name" "${answer:-no answer}"
    [[ -n "$answer" ]] || silent+=("$name")
    try+=("curl http://127.0.0.1:$port/   # $name")
  done < <(kubectl --kubeconfig "$kubeconfig" get svc -n "$namespace" \
             -o jsonpath='{range .items[*]}{.metadata.name} {.spec.ports[0].nodePort}{"\n"}{end}')
  printf '\nTry them:\n'
  printf '  %s\n' "${try[@]}"
  printf '  curl -H "channel: mobile" ... is Istio routing: it needs the ingress gateway'"'"'s Envoy, which cannot run here\n'
  # A demo whose services do not answer is a failure, not a result.
  [[ ${#silent[@]} -eq 0 ]] || die "no answer from ${silent[*]}: see kubectl -n $namespace get pods, and $CLUSTER_DIR/logs"
else
  log "no real node on this machine (see the message of cluster-up above): the pods are simulated and answer nothing"
fi

cat <<DONE

The platform is running on the local control plane.
  Reach it:   export KUBECONFIG=$kubeconfig PATH=$BIN_DIR:\$PATH; kubectl get pods -A
  Change it:  edit Pulumi.local.yaml (e.g. a canary weight), then: make up
  Roll out:   make rollout SERVICE=java-service   (the canary step by step, judged on Prometheus)
  Stop it:    make demo-down
DONE
