#!/usr/bin/env bash
# Starts a real Kubernetes control plane on loopback: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok simulating one node whose pods
# turn Running and Ready, so Deployments roll out under the real controllers,
# and a real node (kubelet, containerd, kube-proxy) for the sample services.
# Writes .local/cluster/kubeconfig (read by the local stack). Idempotent.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

kubeconfig="$CLUSTER_DIR/kubeconfig"
logs="$CLUSTER_DIR/logs"
pki="$CLUSTER_DIR/pki"
mkdir -p "$logs" "$pki" "$CLUSTER_DIR/etcd"

running() { [[ -f "$CLUSTER_DIR/$1.pid" ]] && kill -0 "$(cat "$CLUSTER_DIR/$1.pid")" 2>/dev/null; }

start() {
  local name=$1; shift
  if running "$name"; then return; fi
  setsid "$@" >"$logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$CLUSTER_DIR/$name.pid"
}

# wait_for PROCESS TRIES CHECK...: polls CHECK, failing early if PROCESS died.
wait_for() {
  local what=$1 tries=$2; shift 2
  for _ in $(seq "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -f "$logs/$what.log" ]] && ! running "$what"; then
      tail -5 "$logs/$what.log" >&2
      die "$what exited; see $logs/$what.log"
    fi
    sleep 0.5
  done
  die "$what did not come up; see $logs"
}

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
  command -v "$b" >/dev/null || die "$b is missing: run make tools"
done

# Credentials: a service-account signing key and a static token for an admin.
[[ -f "$pki/sa.key" ]] || (cd "$REPO_ROOT" && go run ./hack/genkey "$pki/sa.key")
# The local stack's gateway certificate, for its app.hosts, from a CA of its
# own (kept while it covers them; the stack's app.tls names the files).
(cd "$REPO_ROOT" && go run ./hack/gencert local)
[[ -f "$pki/token" ]] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$pki/token"
token=$(cat "$pki/token")
# The real node's NetworkPolicy enforcer reads pods, namespaces and policies
# with a token of its own, bound to no more than that (hack/node-up.sh).
[[ -f "$pki/netpol-token" ]] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$pki/netpol-token"
{
  echo "$token,admin,admin,system:masters"
  echo "$(cat "$pki/netpol-token"),system:cloudnative:network-policies,cloudnative-network-policies"
} >"$pki/tokens.csv"

cat >"$kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $token
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
KUBECONFIG
chmod 600 "$kubeconfig"

start etcd etcd --name local --data-dir "$CLUSTER_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --initial-cluster "local=http://127.0.0.1:$((ETCD_PORT + 1))" --quota-backend-bytes 4294967296
# etcd is up once its client port accepts connections.
wait_for etcd 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ETCD_PORT"

# No kubelet runs, so nothing could answer Istio's admission webhooks: switch the
# webhook admission plugins off here instead of changing the program.
start kube-apiserver kube-apiserver \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
  --cert-dir "$pki" --token-auth-file "$pki/tokens.csv" --authorization-mode RBAC \
  --service-account-key-file "$pki/sa.key" --service-account-signing-key-file "$pki/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged \
  --endpoint-reconciler-type none --kubelet-preferred-address-types InternalIP \
  --disable-admission-plugins MutatingAdmissionWebhook,ValidatingAdmissionWebhook
wait_for kube-apiserver 240 kubectl --kubeconfig "$kubeconfig" get --raw /readyz

start kube-controller-manager kube-controller-manager \
  --kubeconfig "$kubeconfig" --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false \
  --service-account-private-key-file "$pki/sa.key" --use-service-account-credentials=false \
  --service-cluster-ip-range "$SERVICE_CIDR" --controllers '*,-nodeipam'
start kube-scheduler kube-scheduler \
  --kubeconfig "$kubeconfig" --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false

# kwok's stock "fast" stages: nodes turn Ready at once, pods Running and Ready, and
# deleted pods go immediately.
stages="$CLUSTER_DIR/kwok-stages.yaml"
if [[ ! -s "$stages" ]]; then
  kwok_src="$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")/kustomize/stage"
  for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf -- '---\n' >>"$stages.tmp"
    cat "$kwok_src/$f" >>"$stages.tmp"
  done
  mv "$stages.tmp" "$stages"
fi
start kwok kwok --kubeconfig "$kubeconfig" --config "$stages" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --node-ip 127.0.0.1 --cidr "$POD_CIDR_FIRST" --server-address ""

kubectl --kubeconfig "$kubeconfig" apply -f - >/dev/null <<'NODE'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: {cpu: "64", memory: 256Gi, ephemeral-storage: 1Ti, pods: "500"}
  capacity: {cpu: "64", memory: 256Gi, ephemeral-storage: 1Ti, pods: "500"}
NODE
wait_for kwok 120 kubectl --kubeconfig "$kubeconfig" wait --for=condition=Ready node/kwok-node-0 --timeout=1s
wait_for kube-controller-manager 120 kubectl --kubeconfig "$kubeconfig" get serviceaccount default -n default
# The real node runs the workloads that ask for it; REAL_NODE=0 leaves it out.
if [[ "${REAL_NODE:-1}" != 0 ]]; then
  status=0
  bash "$REPO_ROOT/hack/node-up.sh" || status=$?
  [[ $status -eq 0 || $status -eq 3 ]] || die "the real node did not start (status $status); see $logs"
fi
log "local control plane up: export KUBECONFIG=$kubeconfig"
