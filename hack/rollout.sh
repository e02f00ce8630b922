#!/usr/bin/env bash
# make rollout [STACK=local] [SERVICE=x | GROUP=g] [ABORT=1] [PROMETHEUS=url]
# Runs `platform rollout`. A stack with its own Prometheus (its
# observability.prometheusUrl, PROMETHEUS or PROMETHEUS_URL) is measured there.
# The local stack has no sidecars to report traffic, so for it this starts the
# pinned Prometheus on 127.0.0.1 scraping the sample services' own request
# metrics from every pod of the namespace (hack/podmetrics keeps its targets
# and sends a bounded load to every Service's NodePort), and stops both
# afterwards. To watch a rollback, roll out a faulty image: see
# docs/delivery.md (A worked example on the local stack).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
STACK="${STACK:-local}"
args=(rollout -stack "$STACK")
[[ -z "${SERVICE:-}" ]] || args+=(-service "$SERVICE")
[[ -z "${GROUP:-}" ]] || args+=(-group "$GROUP")
[[ -z "${ABORT:-}" ]] || args+=(-abort)
[[ -z "${PROMETHEUS:-}" ]] || args+=(-prometheus "$PROMETHEUS")

if [[ "$STACK" == local && -z "${PROMETHEUS:-}${PROMETHEUS_URL:-}" && -z "${ABORT:-}" ]]; then
  kubeconfig="$CLUSTER_DIR/kubeconfig"
  [[ -f "$kubeconfig" ]] || die "no local control plane: run make demo first"
  dir="$LOCAL_DIR/rollout"
  rm -rf "$dir" && mkdir -p "$dir"
  prometheus_port="${ROLLOUT_PROMETHEUS_PORT:-29090}"
  go build -o "$LOCAL_DIR/bin/podmetrics" ./hack/podmetrics
  namespace=$(.local/bin/platform outputs -stack local | sed -n 's/^  "namespace": "\(.*\)",$/\1/p')
  [[ -n "$namespace" ]] || die "the local stack has no namespace output: run make demo first"
  load=()
  # Every Service with a NodePort gets load, whatever is rolled out: a
  # blue/green pair's idle colour is judged on its preview Service's.
  for svc in $(kubectl --kubeconfig "$kubeconfig" get services -n "$namespace" -o jsonpath='{.items[*].metadata.name}'); do
    port=$(kubectl --kubeconfig "$kubeconfig" get service "$svc" -n "$namespace" -o jsonpath='{.spec.ports[0].nodePort}' 2>/dev/null || true)
    [[ -z "$port" ]] || load+=(-load "http://127.0.0.1:$port/")
  done
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  # It writes Prometheus' configuration (podtargets.ScrapeConfig) before it starts.
  "$LOCAL_DIR/bin/podmetrics" -kubeconfig "$kubeconfig" -namespace "$namespace" -targets "$dir/targets.json" \
    -prometheus-config "$dir/prometheus.yml" "${load[@]}" 2>"$dir/podmetrics.log" &
  pids+=($!)
  for _ in $(seq 50); do [[ -f "$dir/prometheus.yml" ]] && break; sleep 0.1; done
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn >"$dir/prometheus.log" 2>&1 &
  pids+=($!)
  url="http://127.0.0.1:$prometheus_port"
  up="$url/api/v1/query?query=up%7Bjob%3D%22pods%22%7D%3D%3D1"
  for _ in $(seq 60); do
    curl -fsS "$up" 2>/dev/null | grep -q '"value"' && break
    sleep 1
  done
  curl -fsS "$up" | grep -q '"value"' \
    || die "Prometheus on $url scraped no pod: see $dir/prometheus.log and $dir/podmetrics.log"
  log "Prometheus on $url, scraping the request metrics of every pod in $namespace (hack/podmetrics; no sidecars run here)"
  args+=(-prometheus "$url")
fi
.local/bin/platform "${args[@]}"
