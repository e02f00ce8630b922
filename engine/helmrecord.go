package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// helmRefusals watches an up's events for Helm refusing a release because of
// a record a killed run left in the cluster, and says what clears each one:
//   - "cannot re-use a name that is still in use": the killed run installed
//     the release (pending-install, or deployed if Helm finished first) and
//     the state never heard of it. Deleting Helm's record lets the next
//     install take over the objects (they carry the release's annotations).
//   - "another operation (install/upgrade/rollback) is in progress": the
//     killed run was upgrading it. Deleting the pending revision's record
//     leaves the last deployed revision, which the next up upgrades again.
type helmRefusals struct {
	mu       sync.Mutex
	releases map[string][2]string // URN → namespace, release name
	commands []string
}

func newHelmRefusals() *helmRefusals {
	return &helmRefusals{releases: map[string][2]string{}}
}

// watch consumes an event stream until it is closed.
func (h *helmRefusals) watch(stream <-chan events.EngineEvent) {
	for event := range stream {
		h.mu.Lock()
		if pre := event.ResourcePreEvent; pre != nil && pre.Metadata.Type == helmReleaseType && pre.Metadata.New != nil {
			name, _ := pre.Metadata.New.Inputs["name"].(string)
			namespace, _ := pre.Metadata.New.Inputs["namespace"].(string)
			h.releases[pre.Metadata.URN] = [2]string{namespace, name}
		}
		if diag := event.DiagnosticEvent; diag != nil && diag.Severity == "error" {
			if release, ok := h.releases[diag.URN]; ok {
				if command := helmClearCommand(diag.Message, release[0], release[1]); command != "" && !slices.Contains(h.commands, command) {
					h.commands = append(h.commands, command)
				}
			}
		}
		h.mu.Unlock()
	}
}

func helmClearCommand(message, namespace, name string) string {
	switch {
	case strings.Contains(message, "cannot re-use a name that is still in use"):
		return fmt.Sprintf("kubectl -n %s delete secret -l owner=helm,name=%s", namespace, name)
	case strings.Contains(message, "another operation (install/upgrade/rollback) is in progress"):
		return fmt.Sprintf("kubectl -n %s delete secret -l owner=helm,name=%s,status=pending-upgrade", namespace, name)
	}
	return ""
}

// explain adds the commands to an up's error, if Helm refused anything.
func (h *helmRefusals) explain(stack string, err error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		return nil
	}
	if len(h.commands) == 0 {
		if strings.Contains(err.Error(), "cannot re-use a name that is still in use") {
			return fmt.Errorf("%w\nHelm has a record of a release this stack's state does not hold (left by a killed run): "+
				"list them with `kubectl get secret -A -l owner=helm`, delete the records of the release named above "+
				"(kubectl -n NAMESPACE delete secret -l owner=helm,name=RELEASE), then run up again", err)
		}
		return err
	}
	return fmt.Errorf("%w\n\nHelm refused a release because of a record a killed run of stack %s left in the cluster. "+
		"With the stack's kubeconfig, remove the record(s), then run up again (the next install or upgrade takes over "+
		"what the killed run made):\n  %s", err, stack, strings.Join(h.commands, "\n  "))
}

// helmReleasesToClear runs before the first up after a killed up. That run
// wrote no state, so every Helm release it installed, finished or not, is
// unknown to the state, and Helm refuses to install each again; the releases
// install one after the other, so the failing up would name them one per run.
// A preview proposes to create each release the state lacks: this names them
// all at once. Each command deletes nothing where Helm has no record.
func (s *Stack) helmReleasesToClear(ctx context.Context) ([]string, error) {
	stream := make(chan events.EngineEvent)
	var commands []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for event := range stream {
			pre := event.ResourcePreEvent
			if pre == nil || pre.Metadata.Type != helmReleaseType || pre.Metadata.Op != apitype.OpCreate || pre.Metadata.New == nil {
				continue
			}
			name, _ := pre.Metadata.New.Inputs["name"].(string)
			namespace, _ := pre.Metadata.New.Inputs["namespace"].(string)
			commands = append(commands, fmt.Sprintf("kubectl -n %s delete secret -l owner=helm,name=%s", namespace, name))
		}
	}()
	_, err := s.Stack.Preview(ctx, optpreview.Refresh(), optpreview.Parallel(parallel), optpreview.EventStreams(stream))
	awaitStream(done)
	return commands, err
}
