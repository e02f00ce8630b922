package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
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
	if err := s.warnInterrupted(); err != nil {
		return auto.PreviewResult{}, err
	}
	if s.refresh {
		opts = append(opts, optpreview.Refresh())
	}
	return s.Stack.Preview(ctx, opts...)
}

// Up applies the program.
func (s *Stack) Up(ctx context.Context) (auto.UpResult, error) {
	return s.up(ctx, nil)
}

// UpOnly applies the program to the resources whose URNs match targets
// (URNs, or globs with * and **) and leaves every other resource as the
// state has it, without reading the cluster first: a rollout step, whose
// change is one service's routes. After a killed run it applies everything,
// refreshing, as Up does.
func (s *Stack) UpOnly(ctx context.Context, targets []string) (auto.UpResult, error) {
	if len(targets) == 0 {
		return auto.UpResult{}, fmt.Errorf("UpOnly needs targets")
	}
	return s.up(ctx, targets)
}

func (s *Stack) up(ctx context.Context, targets []string) (auto.UpResult, error) {
	if err := s.recover(); err != nil {
		return auto.UpResult{}, err
	}
	if err := s.checkHelmAfterKilledUp(ctx); err != nil {
		return auto.UpResult{}, err
	}
	interrupted, finish, err := s.beginRun("up")
	if err != nil {
		return auto.UpResult{}, err
	}
	refresh := s.refresh && len(targets) == 0
	if interrupted != nil {
		targets = nil
		// Read the cluster whatever the flag says: the state may lack what
		// the killed run made, or list what it deleted.
		refresh = true
		fmt.Fprintf(s.progress, "The last run of stack %s, %s, was killed before it wrote the state: this up reads the cluster "+
			"first and takes over what that run made.\n", s.name, interrupted)
	}
	if !s.skipsCheckpoints() {
		if err := s.checkInterruptedHelmInstalls(ctx); err != nil {
			finish(ctx, err)
			return auto.UpResult{}, err
		}
	}
	stream := make(chan events.EngineEvent)
	helm := newHelmRefusals()
	watched := make(chan struct{})
	go func() { defer close(watched); helm.watch(stream) }()
	opts := []optup.Option{optup.Parallel(parallel), optup.ProgressStreams(s.progress), optup.ErrorProgressStreams(s.progress), optup.EventStreams(stream)}
	if refresh {
		opts = append(opts, optup.Refresh())
	}
	if len(targets) > 0 {
		opts = append(opts, optup.Target(targets))
	}
	res, err := s.Stack.Up(ctx, opts...)
	awaitStream(watched)
	finish(ctx, err)
	if err != nil {
		return res, helm.explain(s.name, err)
	}
	if s.skipsCheckpoints() {
		return res, nil
	}
	return res, s.settlePendingCreates(ctx)
}

// checkHelmAfterKilledUp stops the first up after a killed up when that run
// may have installed Helm releases the state does not hold, naming the
// command for each; the record remembers it, so the up after goes ahead.
func (s *Stack) checkHelmAfterKilledUp(ctx context.Context) error {
	last, running, err := s.lastRun()
	if err != nil || last == nil || running || last.Operation != "up" || last.HelmListed {
		return err
	}
	commands, err := s.helmReleasesToClear(ctx)
	if err != nil || len(commands) == 0 {
		return err
	}
	last.HelmListed = true
	if err := s.writeRecord(*last); err != nil {
		return err
	}
	return fmt.Errorf("the last run of stack %s, %s, was killed before it wrote the state, and it may have installed "+
		"Helm releases the state does not hold: Helm refuses to install a name it has a record of. With the stack's "+
		"kubeconfig, remove the records (a command deletes nothing where there is none), then run up again (each "+
		"install takes over what the killed run made):\n  %s", s.name, last, strings.Join(commands, "\n  "))
}

// warnInterrupted says, before a preview, that the state may lack objects of
// a killed up; only an up (which takes them over) makes the picture whole.
func (s *Stack) warnInterrupted() error {
	last, running, err := s.lastRun()
	if err != nil || last == nil || running {
		return err
	}
	fmt.Fprintf(s.progress, "Warning: the last run of stack %s, %s, was killed before it wrote the state: objects it made "+
		"are not in the state, and this preview proposes them as creates. `platform up -stack %s` takes them over.\n",
		s.name, last, s.name)
	return nil
}

// Destroy deletes every resource of the stack.
func (s *Stack) Destroy(ctx context.Context) (auto.DestroyResult, error) {
	if err := s.recover(); err != nil {
		return auto.DestroyResult{}, err
	}
	last, running, err := s.lastRun()
	if err != nil {
		return auto.DestroyResult{}, err
	}
	if last != nil && !running && last.Operation == "up" {
		return auto.DestroyResult{}, fmt.Errorf("the last run of stack %s, %s, was killed before it wrote the state, so the "+
			"state lacks objects it made and destroy would leave them behind. Run `platform up -stack %s` first (it takes "+
			"them over), then destroy", s.name, last, s.name)
	}
	_, finish, err := s.beginRun("destroy")
	if err != nil {
		return auto.DestroyResult{}, err
	}
	res, err := s.Stack.Destroy(ctx, optdestroy.Parallel(parallel), optdestroy.ProgressStreams(s.progress), optdestroy.ErrorProgressStreams(s.progress))
	finish(ctx, err)
	return res, err
}

// OutputsJSON renders the stack outputs; secrets stay masked unless showSecrets.
func (s *Stack) OutputsJSON(ctx context.Context, showSecrets bool) ([]byte, error) {
	outs, err := s.Stack.Outputs(ctx)
	if err != nil {
		return nil, err
	}
	return RenderOutputs(outs, showSecrets)
}

// RenderOutputs renders outputs as indented JSON (an up's result carries them,
// so printing them after an up costs no further run of the CLI).
func RenderOutputs(outs auto.OutputMap, showSecrets bool) ([]byte, error) {
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
