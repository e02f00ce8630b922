#!/usr/bin/env bash
# Builds what the local engine and control plane need and is not built yet:
# the pulumi CLI, the Kubernetes provider plugin, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, kwok and etcd, the real
# node's kubelet, kube-proxy and NetworkPolicy enforcer, and the Prometheus the
# rollout tests measure with.
# Each binary carries a stamp of the tools module and flags it was built from,
# so a second run returns in seconds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mkdir -p "$BIN_DIR"

# stamp_of prints a digest of what a tools module builds.
stamp_of() { cat "$REPO_ROOT/tools/$1/go.mod" "$REPO_ROOT/tools/$1/go.sum" - <<<"$2" | sha256sum | cut -c1-16; }

# up_to_date TOOLDIR FLAGS BINARIES...: true if every binary exists with the stamp.
up_to_date() {
  local tool=$1 flags=$2; shift 2
  local want; want=$(stamp_of "$tool" "$flags")
  for b in "$@"; do
    [[ -x "$BIN_DIR/$b" && "$(cat "$BIN_DIR/.$b.stamp" 2>/dev/null)" == "$want" ]] || return 1
  done
}

mark_built() {
  local tool=$1 flags=$2; shift 2
  local want; want=$(stamp_of "$tool" "$flags")
  for b in "$@"; do echo "$want" >"$BIN_DIR/.$b.stamp"; done
}

build() {
  local tool=$1 flags=$2 binaries=$3; shift 3
  # shellcheck disable=SC2086
  if up_to_date "$tool" "$flags" $binaries; then
    log "$tool: cached ($binaries)"
    return
  fi
  log "$tool: building $binaries (cold builds take minutes)"
  local start=$SECONDS
  (cd "$REPO_ROOT/tools/$tool" && "$@")
  # shellcheck disable=SC2086
  mark_built "$tool" "$flags" $binaries
  log "$tool: built in $((SECONDS - start))s"
}

pulumi_flags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
build pulumi "$pulumi_flags" pulumi \
  go build -trimpath -ldflags "$pulumi_flags" -o "$BIN_DIR/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

provider_flags="-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PROVIDER_VERSION"
build provider "$provider_flags" pulumi-resource-kubernetes bash -c '
  set -eo pipefail
  source ../../hack/lib.sh
  src=$(module_dir_here github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes
  [[ -f "$src/schema.json" ]] || die "the provider module has no $src/schema.json"
  go run ./genschema -src "$src" -version "$1" -out .
  go build -trimpath -ldflags "$2" -o "$3/pulumi-resource-kubernetes" .
' _ "$PROVIDER_VERSION" "$provider_flags" "$BIN_DIR"

kube_version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_version_flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=37"
done
kube_flags="-s -w$kube_version_flags"
build kube "$kube_flags" "kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy" \
  go build -trimpath -ldflags "$kube_flags" -o "$BIN_DIR/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy

build kwok "-s -w" kwok go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/kwok" sigs.k8s.io/kwok/cmd/kwok

build etcd "-s -w" etcd go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd" .

# The progressive-delivery tests' Prometheus scrapes 127.0.0.1 by static
# config: no cloud's service discovery is built in.
build prometheus "-s -w remove_all_sd" prometheus go build -trimpath -tags remove_all_sd -ldflags "-s -w" \
  -o "$BIN_DIR/prometheus" github.com/prometheus/prometheus/cmd/prometheus

# The real node's NetworkPolicy enforcer (SIG Network's reference one); static,
# so it runs in the node's private mount namespace whatever the host has.
build netpol "-s -w cgo0" kube-network-policies env CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
  -o "$BIN_DIR/kube-network-policies" sigs.k8s.io/kube-network-policies/cmd

log "tools ready in $BIN_DIR"
