#!/usr/bin/env bash
# Prints timings of the program on a control plane of its own: `up` from empty, a
# no-change preview, one release per strategy (beside the time the controllers
# alone need for the same rollout), and the floor: the same objects applied with
# `kubectl apply --server-side` and waited for.
set -euo pipefail
export CLUSTER_NAME=bench ETCD_PORT=25790 APISERVER_PORT=28443
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
work=$(mktemp -d)
trap 'bash hack/cluster-down.sh >/dev/null 2>&1; rm -rf "$work"' EXIT
bash hack/cluster-down.sh >/dev/null 2>&1 || true
bash hack/cluster-up.sh 2>/dev/null
kubeconfig="$CLUSTER_DIR/kubeconfig"
k() { kubectl --kubeconfig "$kubeconfig" "$@"; }

# A copy of the local stack pointed at this cluster, with its own state.
mkdir -p "$work/config" "$work/state"
cp Pulumi.yaml "$work/" && cp config/application.properties "$work/config/"
sed -e "s#kubeconfigPath: .*#kubeconfigPath: $kubeconfig#" -e "s#chartDir: .*#chartDir: $LOCAL_DIR/charts#" -e "s#manifestDir: .*#manifestDir: $LOCAL_DIR/addons#" \
  -e '/^encryptionsalt:/d' Pulumi.local.yaml >"$work/Pulumi.bench.yaml"
export PULUMI_BACKEND_URL="file://$work/state"
platform() { .local/bin/platform "$1" -dir "$work" -stack bench "${@:2}" >"$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
set_config() { sed -i "s#$1#$2#" "$work/Pulumi.bench.yaml"; }
rollout() { for d in "$@"; do k rollout status -n cloudnative "deployment/$d" --timeout=300s >/dev/null; done; }

t=$(now); platform up; up_empty=$(since "$t")
resources=$(grep -Eo '\+ [0-9]+ created' "$work/last.log" | grep -Eo '[0-9]+')
t=$(now); platform preview -expect-no-changes; preview=$(since "$t")

# Per strategy: the controllers alone (kubectl set image, rollout status), then the
# program doing the same kind of release (image change, up).
declare -A ctl prog
t=$(now); k set image -n cloudnative deployment/config-service config-service=docker.io/cloudnative/config-service:0.9.0 >/dev/null; rollout config-service; ctl[recreate]=$(since "$t")
set_config "config-service:1.0.0" "config-service:1.1.0"
t=$(now); platform up; prog[recreate]=$(since "$t")

t=$(now); k set image -n cloudnative deployment/go-service go-service=docker.io/cloudnative/go-service:0.9.0 >/dev/null; rollout go-service; ctl[ramped]=$(since "$t")
set_config "go-service:1.0.0" "go-service:1.1.0"
t=$(now); platform up; prog[ramped]=$(since "$t")

t=$(now); k set image -n cloudnative deployment/html-frontend-green html-frontend=docker.io/cloudnative/html-frontend:0.9.0 >/dev/null; rollout html-frontend-green; ctl[blueGreen]=$(since "$t")
set_config "html-frontend:1.1.0" "html-frontend:1.2.0"
set_config "active: blue" "active: green"
t=$(now); platform up; prog[blueGreen]=$(since "$t")

t=$(now); k set image -n cloudnative deployment/java-service-canary java-service=docker.io/cloudnative/java-service:0.9.0 >/dev/null; rollout java-service-canary; ctl[canary]=$(since "$t")
set_config "java-service:2.0.0" "java-service:2.1.0"
set_config "weight: 10" "weight: 25"
t=$(now); platform up; prog[canary]=$(since "$t")

# The floor: the same objects, straight from the API server, re-applied.
k get "$(k api-resources --verbs=list,create -o name | grep -v -E '^(events|componentstatuses|bindings|tokenreviews|selfsubject|subjectaccess|localsubject|nodes)' | paste -sd, -)" -A -o json 2>/dev/null \
  | (cd "$REPO_ROOT" && go run ./hack/benchfloor "$work/first.json" "$work/rest-all.json") >/dev/null
t=$(now); platform destroy; destroy=$(since "$t")
for ns in cloudnative istio-system istio-ingress; do k wait --for=delete "namespace/$ns" --timeout=300s >/dev/null 2>&1 || true; done
# Istio keeps its CRDs on uninstall; remove them so the floor starts from empty too.
k get crd -o name | grep istio.io | xargs -r kubectl --kubeconfig "$kubeconfig" delete >/dev/null
t=$(now)
k apply --server-side --force-conflicts -f "$work/first.json" >/dev/null 2>&1 || true
k wait --for=condition=Established crd --all --timeout=120s >/dev/null
k apply --server-side --force-conflicts -f "$work/rest-all.json" >/dev/null 2>&1 || true
for ns in cloudnative istio-system istio-ingress; do
  for d in $(k get deployments -n "$ns" -o name); do k rollout status -n "$ns" "$d" --timeout=300s >/dev/null; done
done
floor=$(since "$t")

cat <<TABLE
| measure | seconds |
| --- | --- |
| \`up\` from empty ($resources resources) | $up_empty |
| \`kubectl apply --server-side\` of the same objects + rollouts (floor) | $floor |
| no-change \`preview\` of the whole stack | $preview |
| recreate image change: program / controllers alone | ${prog[recreate]} / ${ctl[recreate]} |
| ramped image change: program / controllers alone | ${prog[ramped]} / ${ctl[ramped]} |
| blue/green new idle image + switch: program / controllers alone (image only) | ${prog[blueGreen]} / ${ctl[blueGreen]} |
| canary image + weight change: program / controllers alone (image only) | ${prog[canary]} / ${ctl[canary]} |
| \`destroy\` | $destroy |
TABLE
