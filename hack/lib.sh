# Shared settings of the repo's scripts. Source it; do not run it.
# Pinned versions live here and in the tools/*/go.mod files.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Built binaries are cached outside the work tree, so a fresh clone on the same
# machine (as CI makes) reuses them instead of rebuilding for tens of minutes.
CACHE_DIR="${CLOUDNATIVE_CACHE:-$HOME/.cache/cloudnative-pac}"
BIN_DIR="$CACHE_DIR/bin"
LOCAL_DIR="$REPO_ROOT/.local"
# CLUSTER_NAME lets the tests run a control plane of their own beside the demo's.
CLUSTER_NAME="${CLUSTER_NAME:-cluster}"
CLUSTER_DIR="$LOCAL_DIR/$CLUSTER_NAME"
# Names a cluster's machine-wide pieces (its network namespace, its nodes'
# cgroups) apart from every other clone's on the same machine.
CLUSTER_ID="$(printf '%s' "$CLUSTER_DIR" | sha256sum | cut -c1-8)"

PULUMI_VERSION="v3.274.1"
PROVIDER_VERSION="4.24.0"
KUBERNETES_VERSION="v1.37.2"
KWOK_VERSION="v0.8.0"
ISTIO_MODULE_VERSION="v0.0.0-20260827124520-eed52ebb66ad"
# cert-manager's chart, copied from its module (make charts); the model's
# DefaultCertManagerVersion, held equal by tests/charts_test.go.
CERT_MANAGER_VERSION="v1.19.1"
# Mermaid, whose own code checks the traffic diagrams of pr-preview in the
# end-to-end tests' browser (make browser fetches its bundle from npm).
MERMAID_VERSION="12.3.0"
MERMAID_JS="$CACHE_DIR/mermaid-$MERMAID_VERSION/mermaid.min.js"

# Pod and Service addresses of the local cluster come from 198.18.0.0/15, the
# range reserved for network tests, never from a private or public range.
# The simulated node's pods take the lower half of 198.18/16, the real node's a
# /24 of the upper half.
POD_CIDR_FIRST="198.18.0.1/17"
SERVICE_CIDR="198.19.0.0/16"

# The real node (hack/node-up.sh): its name, the label and taint that keep
# everything but the workloads that ask for it off it (its runtime can only
# run images built here), its pods' addresses and the images it needs.
REAL_NODE_NAME="real-node-0"
REAL_NODE_LABEL="node.cloudnative-pac.dev/runs=containers"
REAL_NODE_TAINT="node.cloudnative-pac.dev/runs=containers:NoSchedule"
REAL_NODE_POD_CIDR="198.18.128.0/24"
# Its address is its pods' gateway on their bridge (a node's address cannot be
# loopback, and only this machine reaches the bridge).
REAL_NODE_IP="198.18.128.1"
PAUSE_IMAGE="localhost/cloudnative/pause:1"
# The netfilter queue the real node's NetworkPolicy enforcer reads new
# connections of its pods from (one per network namespace).
NETPOL_QUEUE="${NETPOL_QUEUE:-100}"
# The mangle-table chain that hands those connections to it.
NETPOL_CHAIN="CNPAC-NETPOL"
CNI_BIN_DIR="${CNI_BIN_DIR:-/usr/lib/cni}"

# Loopback ports of the local control plane.
ETCD_PORT="${ETCD_PORT:-23790}"
APISERVER_PORT="${APISERVER_PORT:-26443}"
# The real node's kubelet; kube-proxy's health and metrics take the next two.
KUBELET_PORT="${KUBELET_PORT:-$((APISERVER_PORT + 100))}"

export PATH="$BIN_DIR:$PATH"
# The local stack's secrets are encrypted with this passphrase unless one is set.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-cloudnative-local}"
export PULUMI_SKIP_UPDATE_CHECK=true

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# module_dir prints the directory of a module version in the module cache,
# downloading it through the module proxy if needed. `go list -m` is no
# substitute: it prints nothing while the module is not in the cache.
module_dir() {
  local empty status=0
  # An empty module, so that `go mod download` resolves the version given.
  empty=$(mktemp -d)
  (cd "$empty" && module_dir_here "$1") || status=$?
  rmdir "$empty"
  return "$status"
}

# module_dir_here MODULE prints the directory of the version of MODULE that the
# Go module in the current directory pins, downloading it if needed, and fails
# with a clear message when the download gave no directory.
module_dir_here() {
  local dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" && -d "$dir" ]] || die "could not download $1 through the module proxy (no module directory)"
  printf '%s\n' "$dir"
}
