package engine

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Drift compares the cluster with what the stack declares: it refreshes the
// state from the cluster and previews the program against it, without writing
// anything, and describes every proposed change in plain words, e.g.
// "Deployment go-service: spec.replicas is 1 on the cluster, 4 declared".
// Fields the program leaves to others (replicas under an autoscaler) are not in
// its inputs, so they never count.
func (s *Stack) Drift(ctx context.Context) ([]string, error) {
	if err := s.warnInterrupted(); err != nil {
		return nil, err
	}
	stream := make(chan events.EngineEvent)
	var findings []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for event := range stream {
			if pre := event.ResourcePreEvent; pre != nil {
				findings = append(findings, describeDrift(pre.Metadata)...)
			}
		}
	}()
	_, err := s.Stack.Preview(ctx, optpreview.Refresh(), optpreview.Parallel(parallel),
		optpreview.EventStreams(stream), optpreview.ProgressStreams(s.progress), optpreview.ErrorProgressStreams(s.progress))
	awaitStream(done)
	if err != nil {
		return nil, err
	}
	slices.Sort(findings)
	return findings, nil
}

// describeDrift renders one proposed step as drift findings; steps that change
// nothing on the cluster (same, read, refresh) have none.
func describeDrift(step apitype.StepEventMetadata) []string {
	object := objectName(step)
	switch step.Op {
	case apitype.OpCreate:
		return []string{object + ": missing on the cluster, declared"}
	case apitype.OpDelete:
		return []string{object + ": on the cluster and in the state, no longer declared"}
	case apitype.OpUpdate, apitype.OpReplace:
	default:
		return nil
	}
	var found []string
	for _, path := range slices.Sorted(maps.Keys(step.DetailedDiff)) {
		var live, declared any
		if step.Old != nil {
			live = lookupPath(step.Old.Inputs, path)
		}
		if step.New != nil {
			declared = lookupPath(step.New.Inputs, path)
		}
		found = append(found, fmt.Sprintf("%s: %s is %s on the cluster, %s declared", object, path, render(live), render(declared)))
	}
	if len(found) == 0 {
		found = append(found, fmt.Sprintf("%s: differs from what is declared (%s)", object, step.Op))
	}
	return found
}

// objectName names a Kubernetes object as its kind and name, e.g.
// "Deployment go-service"; other resources by their type and URN name.
func objectName(step apitype.StepEventMetadata) string {
	kind := step.Type[strings.LastIndex(step.Type, ":")+1:]
	for _, state := range []*apitype.StepEventStateMetadata{step.New, step.Old} {
		if state == nil {
			continue
		}
		if meta, ok := state.Inputs["metadata"].(map[string]any); ok {
			if name, ok := meta["name"].(string); ok {
				return kind + " " + name
			}
		}
	}
	return kind + " " + step.URN[strings.LastIndex(step.URN, "::")+2:]
}

var pathSegment = regexp.MustCompile(`\[(\d+)\]|\["([^"]*)"\]|([^.\[\]]+)`)

// lookupPath reads a property path of the engine's diff ("spec.http[1].route[0].weight",
// `data["application.properties"]`) from a resource's inputs.
func lookupPath(value any, path string) any {
	for _, m := range pathSegment.FindAllStringSubmatch(path, -1) {
		switch {
		case m[1] != "":
			list, ok := value.([]any)
			i, _ := strconv.Atoi(m[1])
			if !ok || i >= len(list) {
				return nil
			}
			value = list[i]
		default:
			key := m[2] + m[3]
			object, ok := value.(map[string]any)
			if !ok {
				return nil
			}
			value = object[key]
		}
	}
	return value
}

func render(value any) string {
	switch v := value.(type) {
	case nil:
		return "absent"
	case string:
		if len(v) > 60 || strings.Contains(v, "\n") {
			return fmt.Sprintf("%d bytes of text", len(v))
		}
		return strconv.Quote(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
