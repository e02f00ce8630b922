#!/usr/bin/env bash
# Enforces NetworkPolicy on the real node: starts kube-network-policies (SIG
# Network's reference enforcer, built by make tools) and hands it every new
# connection to or from the node's pods.
#
# Its own nftables rules need the kernel's nftables queue expression, which
# machines like this one lack; iptables' NFQUEUE target serves instead: a
# mangle chain, jumped to from POSTROUTING for the pods' addresses, lets DNS,
# established connections and the node's own root-owned sockets (the kubelet's
# probes, as upstream's rules do) through, and queues everything else to the
# enforcer, which accepts or drops each connection by the policies. No bypass:
# with the enforcer gone, new connections of the pods are dropped (fail closed).
#
# The enforcer reads only in-cluster config: a private mount namespace with a
# tmpfs on /run gives it a token and CA at the usual path without touching the
# host's /run. Its token (hack/cluster-up.sh) is bound to reading pods,
# namespaces, nodes and NetworkPolicies, nothing more. hack/node-down.sh
# stops it and removes the chain.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

node_dir="$CLUSTER_DIR/node"
logs="$CLUSTER_DIR/logs"
kubeconfig="$CLUSTER_DIR/kubeconfig"
pki="$CLUSTER_DIR/pki"
secrets="$node_dir/netpol"
mkdir -p "$secrets"

kubectl --kubeconfig "$kubeconfig" apply -f - >/dev/null <<'RBAC'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cloudnative:network-policies}
rules:
- apiGroups: [""]
  resources: [pods, namespaces, nodes]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cloudnative:network-policies}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cloudnative:network-policies}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: system:cloudnative:network-policies}
RBAC

install -m 600 "$pki/netpol-token" "$secrets/token"
install -m 644 "$pki/apiserver.crt" "$secrets/ca.crt"
echo -n default >"$secrets/namespace"

pidfile="$node_dir/netpol.pid"
if ! { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  setsid unshare --mount --propagation private bash -c '
    set -e
    mount -t tmpfs -o size=1m,mode=0755 cloudnative-netpol /run
    mkdir -p /run/secrets/kubernetes.io/serviceaccount
    cp "$1"/token "$1"/ca.crt "$1"/namespace /run/secrets/kubernetes.io/serviceaccount/
    shift
    exec "$@"' _ "$secrets" \
    env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$APISERVER_PORT" \
    kube-network-policies --hostname-override "$REAL_NODE_NAME" --nfqueue-id "$NETPOL_QUEUE" \
    --disable-nri --metrics-bind-address "127.0.0.1:$((KUBELET_PORT + 3))" --v 2 \
    >"$logs/netpol.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
fi

# Ready once it has synced its informers and serves its metrics.
for _ in $(seq 120); do
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -5 "$logs/netpol.log" >&2; die "the NetworkPolicy enforcer exited; see $logs/netpol.log"; }
  if bash -c "exec 3<>/dev/tcp/127.0.0.1/$((KUBELET_PORT + 3))" 2>/dev/null; then break; fi
  sleep 0.5
done

chain="$NETPOL_CHAIN"
iptables -t mangle -N "$chain" 2>/dev/null || iptables -t mangle -F "$chain"
iptables -t mangle -A "$chain" -p udp --dport 53 -j RETURN
iptables -t mangle -A "$chain" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
iptables -t mangle -A "$chain" -m owner --uid-owner 0 -j RETURN
iptables -t mangle -A "$chain" -j NFQUEUE --queue-num "$NETPOL_QUEUE"
for match in "-s $REAL_NODE_POD_CIDR" "-d $REAL_NODE_POD_CIDR"; do
  # shellcheck disable=SC2086
  iptables -t mangle -C POSTROUTING $match -j "$chain" 2>/dev/null || iptables -t mangle -A POSTROUTING $match -j "$chain"
done
log "real node: NetworkPolicies enforced (kube-network-policies on queue $NETPOL_QUEUE)"
