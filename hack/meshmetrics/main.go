// Command meshmetrics serves Istio-shaped metrics for a canary on the local
// control plane, whose pods run without sidecars (see package meshmetrics),
// so that `make rollout` on the local stack has something real to measure
// with a real Prometheus. Faults make a canary fail from a given weight on.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cloudnative-pac/platform/internal/meshmetrics"
	"github.com/cloudnative-pac/platform/names"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the cluster's kubeconfig")
	namespace := flag.String("namespace", "cloudnative", "the application namespace")
	service := flag.String("service", "java-service", "the canary's service")
	extra := flag.String("extra", "", "comma-separated workloads that get traffic too (a blue/green pair's colours)")
	listen := flag.String("listen", "127.0.0.1:29464", "where to serve /metrics")
	perSecond := flag.Int("per-second", 50, "requests a second to the service")
	errorPercent := flag.Float64("canary-errors", 0, "percent of the canary's answers that are 503s")
	latency := flag.Duration("canary-latency", 20*time.Millisecond, "the canary's latency")
	fromWeight := flag.Int("fault-from", 0, "the canary weight from which the faults apply")
	maxRun := flag.Duration("max-run", time.Hour, "stop after this long whatever happens")
	flag.Parse()

	source := &meshmetrics.Source{Namespace: *namespace, Service: *service, PerSecond: *perSecond,
		Weight: func(ctx context.Context) (int, error) {
			out, err := exec.CommandContext(ctx, "kubectl", "--kubeconfig", *kubeconfig, "get", "virtualservice.networking.istio.io",
				names.MeshVirtualService(*service), "-n", *namespace, "-o", "json").Output()
			if err != nil {
				return 0, err
			}
			var vs map[string]any
			err = json.Unmarshal(out, &vs)
			return meshmetrics.CanaryWeight(vs), err
		}}
	if *extra != "" {
		source.Extra = strings.Split(*extra, ",")
	}
	canary := names.Deployment(*service, names.TrackCanary)
	fault := meshmetrics.Behaviour{ErrorShare: *errorPercent / 100, Latency: *latency}
	source.SetAnswers(func(workload string, weight int) (meshmetrics.Behaviour, bool) {
		if workload == canary && weight >= *fromWeight {
			return fault, true
		}
		return meshmetrics.Healthy, true
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	server := &http.Server{Addr: *listen, Handler: source, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	fmt.Fprintf(os.Stderr, "meshmetrics: %s's traffic on http://%s/metrics (canary: %g%% errors, %s, from %d%%)\n",
		*service, *listen, *errorPercent, *latency, *fromWeight)
	source.Run(ctx, *maxRun)
	_ = server.Close()
}
