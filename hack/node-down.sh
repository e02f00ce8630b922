#!/usr/bin/env bash
# Stops the real node and leaves nothing behind: its pods are deleted while the
# kubelet still runs (so the runtime tears down their networks), whatever is
# left in its cgroups is killed, then the NetworkPolicy enforcer (its iptables
# hand-off removed), kube-proxy (its iptables rules removed),
# kubelet and containerd stop, and every mount under the node's directory goes.
# Called by cluster-down.sh before the control plane stops.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

node_dir="$CLUSTER_DIR/node"
kubeconfig="$CLUSTER_DIR/kubeconfig"
[[ -d "$node_dir" ]] || exit 0
socket="$node_dir/containerd.sock"

running() { [[ -f "$node_dir/$1.pid" ]] && kill -0 "$(cat "$node_dir/$1.pid")" 2>/dev/null; }
stop() {
  local pidfile="$node_dir/$1.pid"
  [[ -f "$pidfile" ]] || return 0
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}
tasks_left() { ctr --address "$socket" -n k8s.io tasks ls -q 2>/dev/null | grep -c . || true; }

if running kubelet && running containerd && kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; then
  kubectl --kubeconfig "$kubeconfig" cordon "$REAL_NODE_NAME" >/dev/null 2>&1 || true
  kubectl --kubeconfig "$kubeconfig" delete pods -A --field-selector "spec.nodeName=$REAL_NODE_NAME" \
    --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
  for _ in $(seq 60); do [[ $(tasks_left) -eq 0 ]] && break; sleep 0.5; done
fi

# Whatever still runs in the node's cgroups (a kubelet that died first) is killed.
for hierarchy in /sys/fs/cgroup/pids /sys/fs/cgroup/memory /sys/fs/cgroup/unified /sys/fs/cgroup; do
  root="$hierarchy/cloudnative-$CLUSTER_ID"
  [[ -d "$root" ]] || continue
  find "$root" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
done

# The NetworkPolicy enforcer's hand-off goes first (nothing is queued to a
# reader that is gone), then the enforcer, which stops cleanly on SIGINT.
for match in "-s $REAL_NODE_POD_CIDR" "-d $REAL_NODE_POD_CIDR"; do
  # shellcheck disable=SC2086
  while iptables -t mangle -D POSTROUTING $match -j "$NETPOL_CHAIN" 2>/dev/null; do :; done
done
iptables -t mangle -F "$NETPOL_CHAIN" 2>/dev/null || true
iptables -t mangle -X "$NETPOL_CHAIN" 2>/dev/null || true
if [[ -f "$node_dir/netpol.pid" ]]; then
  pid=$(cat "$node_dir/netpol.pid")
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$node_dir/netpol.pid"
fi

if running kube-proxy; then
  stop kube-proxy
  # Its rules stay in the network namespace after it stops; remove them.
  kube-proxy --cleanup >/dev/null 2>&1 || true
fi
stop kubelet
stop containerd

# The kubelet's and kube-proxy's own chains (canaries, the localnet firewall)
# outlive --cleanup: remove every KUBE-* rule and chain, in both iptables
# back ends, and put route_localnet back as it was.
for tool in iptables iptables-legacy; do
  command -v "$tool" >/dev/null || continue
  for table in filter nat mangle; do
    { "$tool" -t "$table" -S 2>/dev/null || true; } | { grep -E '^-A [A-Z-]+ .*-j KUBE-' || true; } |
      { grep -vE '^-A KUBE-' || true; } | while read -r rule; do
        # shellcheck disable=SC2086
        "$tool" -t "$table" ${rule/-A /-D } 2>/dev/null || true
      done
    for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
      "$tool" -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
      "$tool" -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
done
if [[ -f "$node_dir/route_localnet" ]]; then
  cat "$node_dir/route_localnet" >/proc/sys/net/ipv4/conf/all/route_localnet || true
fi
# The runtime's shims outlive it; they serve only this node's socket.
pkill -9 -f "containerd-shim.*$socket" 2>/dev/null || true

# Mounts under the node's directory (volumes, image layers, sandbox files),
# deepest first, and the cgroups the kubelet made.
{ grep -F " $node_dir/" /proc/self/mountinfo || true; } | awk '{print $5}' | sort -r | while read -r mount; do
  umount -l "$mount" 2>/dev/null || true
done
for hierarchy in /sys/fs/cgroup/*/; do
  root="${hierarchy}cloudnative-$CLUSTER_ID"
  [[ -d "$root" ]] && find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
done
ip link delete cnpac0 2>/dev/null || true
owner_file=/run/cloudnative-pac/node-owner
[[ -f "$owner_file" && "$(cat "$owner_file")" == "$CLUSTER_DIR" ]] && rm -f "$owner_file"
log "real node stopped"
