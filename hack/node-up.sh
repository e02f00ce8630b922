#!/usr/bin/env bash
# Starts the local cluster's real node beside the simulated one: containerd
# (Debian's) with runc, CNI bridge networking (Debian's plugins), a kubelet and
# kube-proxy built from Kubernetes, a pause image built here, and the sample
# services' images the committed stacks name imported into the runtime, so no
# image is ever pulled. Pods get addresses from REAL_NODE_POD_CIDR (inside
# 198.18.0.0/15); NodePorts answer on 127.0.0.1; NetworkPolicies are enforced
# (hack/netpol-up.sh).
#
# Called by cluster-up.sh once the control plane answers. When this machine
# cannot run containers it says why and exits 3: the cluster keeps only its
# simulated node. Writes $CLUSTER_DIR/node/ready when the node is Ready.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

node_dir="$CLUSTER_DIR/node"
logs="$CLUSTER_DIR/logs"
kubeconfig="$CLUSTER_DIR/kubeconfig"
mkdir -p "$node_dir" "$logs"
rm -f "$node_dir/ready"

cannot() { printf 'real node: %s; the cluster keeps only its simulated node\n' "$*" >&2; exit 3; }

# What running containers takes; each missing piece is named.
[[ $(id -u) -eq 0 ]] || cannot "running containers needs root (containerd, kubelet, network namespaces)"
for tool in containerd ctr runc iptables kubelet kube-proxy kube-network-policies unshare; do
  command -v "$tool" >/dev/null || cannot "$tool is missing (make host-packages installs Debian's; make tools builds kubelet and kube-proxy)"
done
[[ -x "$CNI_BIN_DIR/bridge" && -x "$CNI_BIN_DIR/host-local" && -x "$CNI_BIN_DIR/loopback" ]] ||
  cannot "the CNI plugins are missing from $CNI_BIN_DIR (Debian's containernetworking-plugins)"

# kube-proxy owns the iptables rules of the network namespace it runs in: two
# real nodes in one namespace would fight over them. The end-to-end tests run
# their cluster in a namespace of their own; the demo's runs in the machine's.
netns=$(readlink /proc/self/ns/net)
owner_file=/run/cloudnative-pac/node-owner
if [[ "$netns" == "$(readlink /proc/1/ns/net)" ]]; then
  mkdir -p "$(dirname "$owner_file")"
  if [[ -f "$owner_file" ]]; then
    owner=$(cat "$owner_file")
    if [[ "$owner" != "$CLUSTER_DIR" && -f "$owner/node/containerd.pid" ]] &&
       kill -0 "$(cat "$owner/node/containerd.pid")" 2>/dev/null; then
      cannot "the real node of $owner already runs in this network namespace (stop it with its make demo-down)"
    fi
  fi
  echo "$CLUSTER_DIR" >"$owner_file"
fi

running() { [[ -f "$node_dir/$1.pid" ]] && kill -0 "$(cat "$node_dir/$1.pid")" 2>/dev/null; }
start() {
  local name=$1; shift
  if running "$name"; then return; fi
  setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$node_dir/$name.pid"
}
wait_for() {
  local what=$1 tries=$2; shift 2
  for _ in $(seq "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! running "$what"; then tail -5 "$logs/$what.log" >&2; die "$what exited; see $logs/$what.log"; fi
    sleep 0.5
  done
  die "$what did not come up; see $logs/$what.log"
}

# write_config FILE: stdin into FILE unless it holds that already (kube-proxy
# exits when its configuration file changes under it).
write_config() {
  local new; new=$(cat)
  [[ -f "$1" && "$(cat "$1")" == "$new" ]] || printf '%s\n' "$new" >"$1"
}

# The node's address is the pods' gateway on their bridge, made here (the CNI
# plugin would make it only with the first pod): only this machine reaches it.
gateway="$REAL_NODE_IP/${REAL_NODE_POD_CIDR#*/}"
ip link show cnpac0 >/dev/null 2>&1 || ip link add cnpac0 type bridge
ip addr show dev cnpac0 | grep -qF " $gateway " || ip addr add "$gateway" dev cnpac0
ip link set cnpac0 up

socket="$node_dir/containerd.sock"
mkdir -p "$node_dir/cni" "$node_dir/containerd"
write_config "$node_dir/containerd.toml" <<TOML
version = 2
root = "$node_dir/containerd/root"
state = "$node_dir/containerd/state"
[grpc]
  address = "$socket"
[plugins."io.containerd.internal.v1.opt"]
  path = "$node_dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Without CAP_SYS_RESOURCE (as in many VMs and CI runners) every sandbox
  # fails to start unless the runtime keeps OOM scores it may set.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$node_dir/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
TOML

write_config "$node_dir/cni/10-cloudnative.conflist" <<CNI
{
  "cniVersion": "0.4.0",
  "name": "cloudnative-pods",
  "plugins": [
    {
      "type": "bridge", "bridge": "cnpac0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {"type": "host-local", "dataDir": "$node_dir/ipam",
               "ranges": [[{"subnet": "$REAL_NODE_POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
CNI

start containerd containerd --config "$node_dir/containerd.toml"
wait_for containerd 60 ctr --address "$socket" version

log "real node: building and importing its images (pause and the stacks' sample services)"
tarballs=$(cd "$REPO_ROOT" && go run ./hack/nodeimages -out "$LOCAL_DIR/node-images" -pause "$PAUSE_IMAGE" Pulumi.*.yaml)
for tarball in $tarballs; do
  ctr --address "$socket" -n k8s.io images import --no-unpack=false "$tarball" >/dev/null
done

write_config "$node_dir/kubelet.yaml" <<KUBELET
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine may have cgroup v1, which kubelet refuses unless told otherwise.
failCgroupV1: false
cgroupDriver: cgroupfs
# A root of its own, so two clusters' nodes on one machine never share cgroups.
cgroupRoot: /cloudnative-$CLUSTER_ID
failSwapOn: false
containerRuntimeEndpoint: unix://$socket
# Its API (logs, exec) listens on the node's dummy address only, which nothing
# off this machine reaches: the API server's calls need no credentials.
address: $REAL_NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzPort: 0
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
podCIDR: $REAL_NODE_POD_CIDR
resolvConf: ""
# Imported images are never pulled again: never collect them either.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "1Mi"}
serializeImagePulls: false
KUBELET

# The kubelet puts its pods under cgroupRoot but does not create it.
for hierarchy in /sys/fs/cgroup/*/; do
  [[ -f "${hierarchy}cgroup.procs" ]] || continue
  dir="${hierarchy}cloudnative-$CLUSTER_ID"
  mkdir -p "$dir"
  # A new cpuset has no CPUs or memory nodes until given its parent's.
  if [[ -f "${hierarchy}cpuset.cpus" && ! -s "$dir/cpuset.cpus" ]]; then
    cat "${hierarchy}cpuset.cpus" >"$dir/cpuset.cpus"
    cat "${hierarchy}cpuset.mems" >"$dir/cpuset.mems"
  fi
done

start kubelet kubelet --config "$node_dir/kubelet.yaml" --kubeconfig "$kubeconfig" \
  --root-dir "$node_dir/kubelet" --cert-dir "$node_dir/pki" \
  --hostname-override "$REAL_NODE_NAME" --node-ip "$REAL_NODE_IP" \
  --node-labels "$REAL_NODE_LABEL" --register-with-taints "$REAL_NODE_TAINT"

write_config "$node_dir/kube-proxy.yaml" <<PROXY
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$kubeconfig"}
mode: iptables
hostnameOverride: $REAL_NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$((KUBELET_PORT + 1))
metricsBindAddress: 127.0.0.1:$((KUBELET_PORT + 2))
clusterCIDR: $REAL_NODE_POD_CIDR
nodePortAddresses: ["127.0.0.0/8"]
iptables: {localhostNodePorts: true}
# Leave the machine's connection-tracking limits and timeouts as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
PROXY
# kube-proxy turns route_localnet on (NodePorts on 127.0.0.1); node-down puts it back.
[[ -f "$node_dir/route_localnet" ]] || cat /proc/sys/net/ipv4/conf/all/route_localnet >"$node_dir/route_localnet"
start kube-proxy kube-proxy --config "$node_dir/kube-proxy.yaml"

wait_for kubelet 240 kubectl --kubeconfig "$kubeconfig" wait --for=condition=Ready "node/$REAL_NODE_NAME" --timeout=1s
bash "$REPO_ROOT/hack/netpol-up.sh"
touch "$node_dir/ready"
log "real node $REAL_NODE_NAME ready: pods get addresses from $REAL_NODE_POD_CIDR, NodePorts answer on 127.0.0.1"
