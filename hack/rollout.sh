#!/usr/bin/env bash
# make rollout [STACK=local] [SERVICE=x] [ABORT=1] [PROMETHEUS=url]
# Runs `platform rollout`. A stack with its own Prometheus (its
# observability.prometheusUrl, PROMETHEUS or PROMETHEUS_URL) is measured there.
# The local stack has no sidecars to report traffic, so for it this starts the
# pinned Prometheus on 127.0.0.1 scraping hack/meshmetrics (Istio-shaped
# series whose canary share follows the live VirtualService), and stops both
# afterwards. CANARY_ERRORS=20 (percent), CANARY_LATENCY=900ms and
# FAULT_FROM=25 (weight) make the local canary fail, to watch a rollback.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
STACK="${STACK:-local}"
args=(rollout -stack "$STACK")
[[ -z "${SERVICE:-}" ]] || args+=(-service "$SERVICE")
[[ -z "${ABORT:-}" ]] || args+=(-abort)
[[ -z "${PROMETHEUS:-}" ]] || args+=(-prometheus "$PROMETHEUS")

if [[ "$STACK" == local && -z "${PROMETHEUS:-}${PROMETHEUS_URL:-}" && -z "${ABORT:-}" ]]; then
  kubeconfig="$CLUSTER_DIR/kubeconfig"
  [[ -f "$kubeconfig" ]] || die "no local control plane: run make demo first"
  dir="$LOCAL_DIR/rollout"
  rm -rf "$dir" && mkdir -p "$dir"
  metrics_port="${ROLLOUT_METRICS_PORT:-29464}" prometheus_port="${ROLLOUT_PROMETHEUS_PORT:-29090}"
  go build -o "$LOCAL_DIR/bin/meshmetrics" ./hack/meshmetrics
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  "$LOCAL_DIR/bin/meshmetrics" -kubeconfig "$kubeconfig" -listen "127.0.0.1:$metrics_port" \
    -extra html-frontend-blue,html-frontend-green \
    -canary-errors "${CANARY_ERRORS:-0}" -canary-latency "${CANARY_LATENCY:-20ms}" -fault-from "${FAULT_FROM:-0}" \
    2>"$dir/meshmetrics.log" &
  pids+=($!)
  cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: mesh
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
YAML
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn >"$dir/prometheus.log" 2>&1 &
  pids+=($!)
  url="http://127.0.0.1:$prometheus_port"
  for _ in $(seq 60); do
    curl -fsS "$url/api/v1/query?query=up%7Bjob%3D%22mesh%22%7D%3D%3D1" 2>/dev/null | grep -q '"value"' && break
    sleep 1
  done
  curl -fsS "$url/api/v1/query?query=up%7Bjob%3D%22mesh%22%7D%3D%3D1" | grep -q '"value"' \
    || die "Prometheus on $url did not scrape the stand-in: see $dir/prometheus.log and $dir/meshmetrics.log"
  log "Prometheus on $url, scraping Istio-shaped series for the local stack (hack/meshmetrics; no sidecars run here)"
  args+=(-prometheus "$url")
fi
.local/bin/platform "${args[@]}"
