// Package podtargets turns a namespace's pods, as the API server lists them,
// into Prometheus' file-based service discovery targets: each running pod's
// http port, labelled with its namespace, its name and its workload (the
// Deployment that owns it). The local Prometheus (whose build has no
// Kubernetes discovery: hack/build-tools.sh leaves every discovery plugin
// out) scrapes the sample services' own request metrics this way, and the
// local stack's rollout queries select a workload by these labels.
package podtargets

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The labels every target carries.
const (
	NamespaceLabel = "namespace"
	PodLabel       = "pod"
	WorkloadLabel  = "workload"
)

// Group is one entry of a file_sd file.
type Group struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

type podList struct {
	Items []struct {
		Metadata struct {
			Name            string            `json:"name"`
			Namespace       string            `json:"namespace"`
			Labels          map[string]string `json:"labels"`
			DeletionTS      *string           `json:"deletionTimestamp"`
			OwnerReferences []struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"ownerReferences"`
		} `json:"metadata"`
		Spec struct {
			Containers []struct {
				Ports []struct {
					Name          string `json:"name"`
					ContainerPort int    `json:"containerPort"`
				} `json:"ports"`
			} `json:"containers"`
		} `json:"spec"`
		Status struct {
			Phase string `json:"phase"`
			PodIP string `json:"podIP"`
		} `json:"status"`
	} `json:"items"`
}

// FromPodList reads `kubectl get pods -o json` and returns a group per
// running pod of a Deployment that has an address and a port named http,
// sorted by pod name. A pod that is going away is still scraped: its last
// answers count.
func FromPodList(data []byte) ([]Group, error) {
	var list podList
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("pod list: %w", err)
	}
	var groups []Group
	for _, pod := range list.Items {
		m := pod.Metadata
		workload := ""
		for _, owner := range m.OwnerReferences {
			hash := m.Labels["pod-template-hash"]
			if owner.Kind == "ReplicaSet" && hash != "" && strings.HasSuffix(owner.Name, "-"+hash) {
				workload = strings.TrimSuffix(owner.Name, "-"+hash)
			}
		}
		port := 0
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == "http" && port == 0 {
					port = p.ContainerPort
				}
			}
		}
		if workload == "" || port == 0 || pod.Status.Phase != "Running" || pod.Status.PodIP == "" {
			continue
		}
		groups = append(groups, Group{
			Targets: []string{pod.Status.PodIP + ":" + strconv.Itoa(port)},
			Labels:  map[string]string{NamespaceLabel: m.Namespace, PodLabel: m.Name, WorkloadLabel: workload},
		})
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Labels[PodLabel] < groups[j].Labels[PodLabel] })
	return groups, nil
}

// Write replaces the file at path whole (a rename: Prometheus never reads
// half a file).
func Write(path string, groups []Group) error {
	if groups == nil {
		groups = []Group{}
	}
	data, err := json.MarshalIndent(groups, "", "  ")
	if err != nil {
		return err
	}
	return writeWhole(path, data)
}

// WriteScrapeConfig writes ScrapeConfig(job, targets) to path, whole.
func WriteScrapeConfig(path, job, targets string) error {
	return writeWhole(path, []byte(ScrapeConfig(job, targets)))
}

// writeWhole replaces the file at path by a rename, so a reader never sees
// half of it.
func writeWhole(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".podtargets-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ScrapeConfig is a Prometheus configuration that scrapes every target the
// file at path lists, every second (the short rollout intervals of the local
// stack need fresh series).
func ScrapeConfig(job, path string) string {
	return fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: %s
    file_sd_configs:
      - files: [%q]
        refresh_interval: 1s
`, job, path)
}

// Keep rewrites the file at path from list (a pod list as kubectl prints it)
// every interval until ctx ends; a failed listing keeps the last file, and is
// reported to failed (which may be nil).
func Keep(ctx context.Context, path string, interval time.Duration, list func(context.Context) ([]byte, error), failed func(error)) {
	for ctx.Err() == nil {
		err := refresh(ctx, path, list)
		if err != nil && failed != nil && ctx.Err() == nil {
			failed(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
	}
}

func refresh(ctx context.Context, path string, list func(context.Context) ([]byte, error)) error {
	data, err := list(ctx)
	if err != nil {
		return fmt.Errorf("pod list: %w", err)
	}
	groups, err := FromPodList(data)
	if err != nil {
		return err
	}
	return Write(path, groups)
}
