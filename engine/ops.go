package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// parallel bounds concurrent resource operations. The CLI's default is four per
// CPU, but Kubernetes operations mostly wait on controllers, not on this machine:
// on two cores the default serialises independent rollouts behind each other.
const parallel = 32

// Preview proposes changes; with expectNoChanges it fails if there are any.
func (s *Stack) Preview(ctx context.Context, expectNoChanges bool) (auto.PreviewResult, error) {
	if err := s.recover(); err != nil {
		return auto.PreviewResult{}, err
	}
	opts := []optpreview.Option{optpreview.Parallel(parallel), optpreview.ProgressStreams(s.progress), optpreview.ErrorProgressStreams(s.progress)}
	if expectNoChanges {
		opts = append(opts, optpreview.ExpectNoChanges())
	}
	if s.refresh {
		opts = append(opts, optpreview.Refresh())
	}
	return s.Stack.Preview(ctx, opts...)
}

// Up applies the program.
func (s *Stack) Up(ctx context.Context) (auto.UpResult, error) {
	if err := s.recover(); err != nil {
		return auto.UpResult{}, err
	}
	opts := []optup.Option{optup.Parallel(parallel), optup.ProgressStreams(s.progress), optup.ErrorProgressStreams(s.progress)}
	if s.refresh {
		opts = append(opts, optup.Refresh())
	}
	if err := s.checkInterruptedHelmInstalls(ctx); err != nil {
		return auto.UpResult{}, err
	}
	res, err := s.Stack.Up(ctx, opts...)
	if err != nil && strings.Contains(err.Error(), "cannot re-use a name that is still in use") {
		return res, fmt.Errorf("%w\nHelm has a record of a release this stack's state does not hold (left by a killed install): "+
			"list them with `kubectl get secret -A -l owner=helm`, delete the records of the release named above "+
			"(kubectl -n NAMESPACE delete secret -l owner=helm,name=RELEASE), then run up again", err)
	}
	if err != nil {
		return res, err
	}
	return res, s.settlePendingCreates(ctx)
}

// Destroy deletes every resource of the stack.
func (s *Stack) Destroy(ctx context.Context) (auto.DestroyResult, error) {
	if err := s.recover(); err != nil {
		return auto.DestroyResult{}, err
	}
	return s.Stack.Destroy(ctx, optdestroy.Parallel(parallel), optdestroy.ProgressStreams(s.progress), optdestroy.ErrorProgressStreams(s.progress))
}

// OutputsJSON renders the stack outputs; secrets stay masked unless showSecrets.
func (s *Stack) OutputsJSON(ctx context.Context, showSecrets bool) ([]byte, error) {
	outs, err := s.Stack.Outputs(ctx)
	if err != nil {
		return nil, err
	}
	plain := make(map[string]any, len(outs))
	for k, v := range outs {
		if v.Secret && !showSecrets {
			plain[k] = "[secret]"
			continue
		}
		plain[k] = v.Value
	}
	return json.MarshalIndent(plain, "", "  ")
}

// recover undoes what a killed run left that would stop this one: the lock
// of a process that is gone.
func (s *Stack) recover() error {
	return releaseStaleLocks(s.backend, ProjectName, s.name, s.progress)
}
