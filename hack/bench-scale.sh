#!/usr/bin/env bash
# How the program's cost grows with the platform: for N ramped services (in a
# namespace of their own, Istio installed once and shared, no add-ons) it times a
# preview from empty, `up`, a no-change preview and `destroy`, beside the floor:
# the same objects applied with one `kubectl apply --server-side` and waited for
# with one `kubectl wait`. Prints a markdown table.
#
#   BENCH_SIZES="1 10 25 50 100" make bench-scale
#
# Every run goes through the real engine with the settings `platform` uses for
# every stack (checkpoints after every step, refresh before preview and up).
set -euo pipefail
export CLUSTER_NAME=benchscale ETCD_PORT=25793 APISERVER_PORT=28445 REAL_NODE=0
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
sizes=${BENCH_SIZES:-1 10 25 50 100}
namespace=scale
replicas=2

work=$(mktemp -d)
trap 'bash hack/cluster-down.sh >/dev/null 2>&1; rm -rf "$work"' EXIT
bash hack/cluster-down.sh >/dev/null 2>&1 || true
log "starting a control plane of its own ($CLUSTER_NAME)"
bash hack/cluster-up.sh 2>/dev/null
kubeconfig="$CLUSTER_DIR/kubeconfig"
k() { kubectl --kubeconfig "$kubeconfig" "$@"; }

mkdir -p "$work/config" "$work/state"
cp Pulumi.yaml "$work/" && cp config/application.properties "$work/config/"
export PULUMI_BACKEND_URL="file://$work/state"
platform() { .local/bin/platform "$1" -dir "$work" "${@:2}" >"$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# stack_file NAME ISTIO_INSTALL NAMESPACE COUNT writes Pulumi.NAME.yaml.
stack_file() {
  local file="$work/Pulumi.$1.yaml" i name
  cat >"$file" <<YAML
config:
  cloudnative:cluster:
    kind: existing
    existing:
      kubeconfigPath: $kubeconfig
  cloudnative:istio:
    install: $2
    chartDir: $LOCAL_DIR/charts
    gateway:
      serviceType: NodePort
  cloudnative:app:
    namespace: $3
    hosts: [$3.bench.example]
  cloudnative:observability:
    enabled: false
  cloudnative:services:
YAML
  for ((i = 1; i <= $4; i++)); do
    printf -v name 'svc-%03d' "$i"
    cat >>"$file" <<YAML
    - name: $name
      strategy: ramped
      port: 80
      targetPort: 8080
      replicas: $replicas
      pathPrefix: /$name
      image: docker.io/cloudnative/go-service:1.0.0
YAML
  done
}

# Istio once, with one service of its own, shared by every size below.
log "installing Istio once (stack mesh)"
stack_file mesh true mesh-base 1
platform up -stack mesh

echo "| N | resources | state | preview | up | no-change preview | destroy | floor (apply + wait) | up / floor |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $sizes; do
  stack="scale$n"
  stack_file "$stack" false "$namespace" "$n"
  log "N=$n: preview, up, no-change preview"
  t=$(now); platform preview -stack "$stack"; preview=$(since "$t")
  t=$(now); platform up -stack "$stack"; up=$(since "$t")
  resources=$(grep -Eo '\+ [0-9]+ created' "$work/last.log" | grep -Eo '[0-9]+' || echo "?")
  state=$(find "$work/state" -name "$stack.json" -printf '%s' | awk '{ printf "%.0f KB", $1 / 1024 }')
  t=$(now); platform preview -stack "$stack" -expect-no-changes; again=$(since "$t")

  # What the program made, as plain manifests for the floor.
  { k get namespace -o json
    k get "$(k api-resources --verbs=list,create --namespaced -o name | grep -v -E '^(events|bindings|localsubjectaccessreviews)' | paste -sd, -)" -n "$namespace" -o json 2>/dev/null
  } | go run ./hack/benchfloor -namespaces "$namespace" "$work/first.json" "$work/rest.json" >/dev/null

  log "N=$n: destroy"
  t=$(now); platform destroy -stack "$stack"; destroy=$(since "$t")
  k wait --for=delete "namespace/$namespace" --timeout=300s >/dev/null 2>&1 || true

  log "N=$n: the floor"
  t=$(now)
  k apply --server-side --force-conflicts -f "$work/first.json" >/dev/null
  k apply --server-side --force-conflicts -f "$work/rest.json" >/dev/null
  k wait -n "$namespace" deployment --all --for=jsonpath='{.status.readyReplicas}'=$replicas --timeout=300s >/dev/null
  floor=$(since "$t")
  k delete namespace "$namespace" --wait=true --timeout=300s >/dev/null

  echo "| $n | $resources | $state | $preview | $up | $again | $destroy | $floor | $(ratio "$up" "$floor") |"
done
