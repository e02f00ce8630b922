package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
)

// pendingOperation is one operation a killed run began and never finished,
// as the state records it.
type pendingOperation struct {
	Type     string `json:"type"`
	Resource struct {
		URN    string         `json:"urn"`
		Type   string         `json:"type"`
		Inputs map[string]any `json:"inputs"`
	} `json:"resource"`
}

// helmReleaseType is the Kubernetes provider's Helm release resource.
const helmReleaseType = "kubernetes:helm.sh/v3:Release"

// checkInterruptedHelmInstalls refuses to start an up that would fail: a run
// killed while installing a Helm release leaves the release recorded in the
// cluster (pending-install, or deployed if Helm finished first) but not in the
// state, and Helm refuses to install a name in use. Removing that record lets
// the next install take over the objects the killed one made (they carry the
// release's ownership annotations); this says exactly how, and clears the
// state's pending records so that the up after the command goes ahead.
func (s *Stack) checkInterruptedHelmInstalls(ctx context.Context) error {
	pending, known, err := s.pendingOperations(ctx)
	if err != nil {
		return err
	}
	var commands []string
	for _, op := range pending {
		if op.Type != "creating" || op.Resource.Type != helmReleaseType || known[op.Resource.URN] {
			continue
		}
		name, _ := op.Resource.Inputs["name"].(string)
		namespace, _ := op.Resource.Inputs["namespace"].(string)
		commands = append(commands, fmt.Sprintf("kubectl -n %s delete secret -l owner=helm,name=%s", namespace, name))
	}
	if len(commands) == 0 {
		return nil
	}
	// Drop the pending records now, so that the up after the command runs:
	// the Kubernetes objects among them are taken over by that up's
	// server-side apply, and the Helm releases are what the command is for.
	if _, err := s.Stack.Refresh(ctx, optrefresh.ClearPendingCreates(), optrefresh.Parallel(parallel),
		optrefresh.ProgressStreams(s.progress), optrefresh.ErrorProgressStreams(s.progress)); err != nil {
		return err
	}
	return fmt.Errorf("a run of stack %s was killed while installing Helm release(s) the state does not hold; Helm "+
		"refuses to install a name it has a record of. With the stack's kubeconfig, remove the record(s), then run up "+
		"again (the new install takes over what the killed one created):\n  %s", s.name, strings.Join(commands, "\n  "))
}

// pendingOperations reads the operations left in the stack's state.
func (s *Stack) pendingOperations(ctx context.Context) ([]pendingOperation, map[string]bool, error) {
	state, err := s.Stack.Export(ctx)
	if err != nil {
		return nil, nil, err
	}
	var deployment struct {
		Resources []struct {
			URN string `json:"urn"`
		} `json:"resources"`
		Pending []pendingOperation `json:"pending_operations"`
	}
	if len(state.Deployment) > 0 {
		if err := json.Unmarshal(state.Deployment, &deployment); err != nil {
			return nil, nil, fmt.Errorf("read the state of %s: %w", s.name, err)
		}
	}
	known := map[string]bool{}
	for _, r := range deployment.Resources {
		known[r.URN] = true
	}
	return deployment.Pending, known, nil
}

// settlePendingCreates runs after a successful up. A create that a killed run
// began stays recorded as pending until someone says what became of it; the
// engine asks a person, we can answer: the up that just succeeded declared
// the same resource and the provider applied it (a Kubernetes object is
// applied server-side, so one the killed run had made was taken over, not
// duplicated), so the state knows it now and the record can go. A pending
// create of a resource the program no longer declares is left, and named.
func (s *Stack) settlePendingCreates(ctx context.Context) error {
	pending, known, err := s.pendingOperations(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	var unknown []string
	for _, op := range pending {
		if op.Type == "creating" && !known[op.Resource.URN] {
			unknown = append(unknown, op.Resource.URN)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("a killed run was creating %v, which this program no longer declares: check whether it exists "+
			"and delete it, then clear the record with `pulumi refresh --clear-pending-creates -s %s`", unknown, s.name)
	}
	fmt.Fprintf(s.progress, "Clearing %d operation(s) a killed run left pending: this up applied each of those resources.\n", len(pending))
	_, err = s.Stack.Refresh(ctx, optrefresh.ClearPendingCreates(), optrefresh.Parallel(parallel),
		optrefresh.ProgressStreams(s.progress), optrefresh.ErrorProgressStreams(s.progress))
	return err
}
