// Command podmetrics lets the pinned Prometheus judge the local stack's
// rollouts on what the sample services' pods really answer: it rewrites a
// file_sd file with the namespace's running pods every second (see
// internal/podtargets; the pinned build has no Kubernetes discovery) and asks
// each -load URL a bounded number of requests a second, each on a new
// connection, so that kube-proxy spreads them over every pod behind the
// Service, the canary's among them.
//
//	podmetrics -kubeconfig K -namespace NS -targets FILE [-prometheus-config FILE] [-load URL]... [-per-second N] [-max-run D]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cloudnative-pac/platform/internal/podtargets"
)

type urls []string

func (u *urls) String() string     { return strings.Join(*u, ",") }
func (u *urls) Set(s string) error { *u = append(*u, s); return nil }

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the cluster's kubeconfig")
	namespace := flag.String("namespace", "cloudnative", "the application namespace")
	targets := flag.String("targets", "", "the file_sd file to keep up to date")
	config := flag.String("prometheus-config", "", "write a Prometheus configuration scraping the targets here first")
	perSecond := flag.Int("per-second", 20, "requests a second to each -load URL")
	maxRun := flag.Duration("max-run", 30*time.Minute, "stop after this long whatever happens")
	var load urls
	flag.Var(&load, "load", "a URL to send requests to (repeatable)")
	flag.Parse()
	if *targets == "" {
		fmt.Fprintln(os.Stderr, "usage: podmetrics -kubeconfig K -namespace NS -targets FILE [-prometheus-config FILE] [-load URL]... [-per-second N] [-max-run D]")
		os.Exit(2)
	}
	if *config != "" {
		if err := podtargets.WriteScrapeConfig(*config, "pods", *targets); err != nil {
			fmt.Fprintln(os.Stderr, "podmetrics:", err)
			os.Exit(1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *maxRun)
	defer cancel()

	var wg sync.WaitGroup
	for _, url := range load {
		wg.Add(1)
		go func() { defer wg.Done(); ask(ctx, url, *perSecond) }()
	}
	podtargets.Keep(ctx, *targets, time.Second, func(ctx context.Context) ([]byte, error) {
		return exec.CommandContext(ctx, "kubectl", "--kubeconfig", *kubeconfig, "get", "pods", "-n", *namespace, "-o", "json").Output()
	}, func(err error) { fmt.Fprintln(os.Stderr, "podmetrics:", err) })
	wg.Wait()
}

// ask sends perSecond requests a second to url until ctx ends; answers are
// not kept (Prometheus has them from the pods).
func ask(ctx context.Context, url string, perSecond int) {
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	tick := time.NewTicker(time.Second / time.Duration(max(perSecond, 1)))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			go func() {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					return
				}
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
		}
	}
}
