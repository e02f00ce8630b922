package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/strategy/analysis"
)

// Rollout takes a canary through the steps its stack file configures
// (services[].progressive), one up per step, judging each interval of the
// canary's traffic by its measurements; on success it promotes, on failure it
// rolls back, and either way it writes the outcome into the stack file. Before
// each step is applied, the stack file records the rollout in progress
// (cloudnative:rollout), so a killed rollout resumes where it was, or is
// aborted, and the file and the cluster end up agreeing.
//
// The dependencies are fields so that the loop runs in unit tests without a
// cluster; Workspace.Rollout fills them with the real ones.
type Rollout struct {
	Stack   string
	Service string
	Abort   bool
	Load    func() (*release.StackFile, error)
	Store   func(*release.StackFile) error
	Decode  func(*release.StackFile) (*model.Platform, error)
	Apply   func(context.Context) error
	Measure func(context.Context, Target) (analysis.Measurement, []string, error)
	Sleep   func(context.Context, time.Duration) error
	Now     func() time.Time
	Out     io.Writer
}

// ErrRolledBack is returned when a rollout ends by rolling back.
var ErrRolledBack = errors.New("rolled back")

// Run runs the rollout to its end.
func (r Rollout) Run(ctx context.Context) error {
	file, err := r.Load()
	if err != nil {
		return err
	}
	state, err := file.Rollout()
	if err != nil {
		return err
	}
	platform, err := r.Decode(file)
	if err != nil {
		return err
	}
	name := r.Service
	if state != nil {
		if name != "" && name != state.Service {
			return fmt.Errorf("a rollout of %s is in progress in %s; resume or abort it first", state.Service, r.Stack)
		}
		name = state.Service
	}
	svc, err := progressiveCanary(platform, name)
	if err != nil {
		return err
	}
	if r.Abort {
		if state == nil {
			return fmt.Errorf("no rollout is in progress in %s", r.Stack)
		}
		fmt.Fprintf(r.Out, "%s: aborting the rollout of %s at %d%%\n", r.Stack, svc.Name, svc.Progressive.Steps[state.Step])
		return r.rollBack(ctx, file, svc, nil, "aborted")
	}
	g := svc.Progressive
	progress := &analysis.Progress{Criteria: criteria(g.Analysis), Steps: g.Steps, Started: r.Now()}
	if state == nil {
		state = &release.RolloutState{Service: svc.Name, Started: progress.Started.UTC()}
		fmt.Fprintf(r.Out, "%s: rolling out %s (%s) in steps %s, then promoting; each %s interval needs %s\n",
			r.Stack, svc.Name, svc.Canary.CanaryImage, describeSteps(g.Steps), progress.Criteria.Interval, describeCriteria(progress.Criteria))
	} else {
		progress.Step, progress.Failures, progress.Started = state.Step, state.Failures, state.Started
		fmt.Fprintf(r.Out, "%s: resuming the rollout of %s at %d%% (started %s, %d failed interval(s))\n",
			r.Stack, svc.Name, g.Steps[state.Step], state.Started.Format(time.RFC3339), state.Failures)
	}
	var report []string
	applied := -1
	for {
		weight := g.Steps[progress.Step]
		if applied != progress.Step {
			state.Step, state.Failures = progress.Step, progress.Failures
			if err := r.write(file, svc.Name, weight, state); err != nil {
				return err
			}
			if err := r.Apply(ctx); err != nil {
				return fmt.Errorf("apply %s at %d%%: %w (the rollout is recorded in Pulumi.%s.yaml: run rollout again to resume, or with -abort)", svc.Name, weight, err, r.Stack)
			}
			applied = progress.Step
		}
		if err := r.Sleep(ctx, progress.Criteria.Interval); err != nil {
			return err
		}
		m, _, err := r.Measure(ctx, Target{Namespace: platform.App.Namespace, Workload: names.Deployment(svc.Name, names.TrackCanary), Window: progress.Criteria.Interval})
		if err != nil {
			return fmt.Errorf("measure %s at %d%%: %w (the rollout is recorded: run rollout again to resume, or with -abort)", svc.Name, weight, err)
		}
		action, verdict, why := progress.Observe(r.Now(), m)
		line := fmt.Sprintf("%s %d%%: %s — %s", svc.Name, weight, verdict, why)
		switch action {
		case analysis.Advance:
			line = fmt.Sprintf("%s %d%% → %d%%: %s", svc.Name, weight, g.Steps[progress.Step], why)
		case analysis.Wait:
			state.Failures = progress.Failures
			if err := r.write(file, svc.Name, weight, state); err != nil {
				return err
			}
		}
		fmt.Fprintln(r.Out, line)
		report = append(report, line)
		switch action {
		case analysis.Promote:
			return r.promote(ctx, file, svc, report)
		case analysis.Rollback:
			return r.rollBack(ctx, file, svc, report, why)
		}
	}
}

func (r Rollout) write(file *release.StackFile, service string, weight int, state *release.RolloutState) error {
	if err := file.SetCanaryWeight(service, weight); err != nil {
		return err
	}
	if err := file.SetRollout(state); err != nil {
		return err
	}
	return r.Store(file)
}

func (r Rollout) promote(ctx context.Context, file *release.StackFile, svc model.Service, report []string) error {
	if err := r.end(ctx, file, svc, "promotion", file.PromoteCanary); err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "%s: %s promoted: %s is stable, the canary takes no traffic\n", r.Stack, svc.Name, svc.Canary.CanaryImage)
	printReport(r.Out, report)
	return nil
}

func printReport(out io.Writer, report []string) {
	if len(report) > 0 {
		fmt.Fprintf(out, "steps:\n  %s\n", strings.Join(report, "\n  "))
	}
}

func (r Rollout) rollBack(ctx context.Context, file *release.StackFile, svc model.Service, report []string, why string) error {
	toZero := func(service string) error { return file.SetCanaryWeight(service, 0) }
	if err := r.end(ctx, file, svc, "rollback", toZero); err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "%s: %s rolled back (%s): every request goes to %s\n", r.Stack, svc.Name, why, svc.Canary.StableImage)
	printReport(r.Out, report)
	return fmt.Errorf("%s: %w: %s", svc.Name, ErrRolledBack, why)
}

// end writes a rollout's outcome (edit, mirroring off, no rollout in
// progress) into the stack file and applies it.
func (r Rollout) end(ctx context.Context, file *release.StackFile, svc model.Service, what string, edit func(service string) error) error {
	if err := edit(svc.Name); err != nil {
		return err
	}
	if err := file.SetMirrorPercent(svc.Name, 0); err != nil {
		return err
	}
	if err := file.SetRollout(nil); err != nil {
		return err
	}
	if err := r.Store(file); err != nil {
		return err
	}
	if err := r.Apply(ctx); err != nil {
		return fmt.Errorf("apply the %s of %s: %w (Pulumi.%s.yaml holds it: run up)", what, svc.Name, err, r.Stack)
	}
	return nil
}

// progressiveCanary finds the canary to roll out: the one named, or the only
// canary with a progressive block.
func progressiveCanary(p *model.Platform, name string) (model.Service, error) {
	var found []model.Service
	for _, s := range p.Services {
		if s.Strategy == model.Canary && s.Progressive != nil && (name == "" || s.Name == name) {
			found = append(found, s)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case name != "":
		return model.Service{}, fmt.Errorf("no canary named %s with a progressive block", name)
	case len(found) == 0:
		return model.Service{}, fmt.Errorf("no canary has a progressive block")
	default:
		return model.Service{}, fmt.Errorf("%d canaries have a progressive block: choose one with -service", len(found))
	}
}

func criteria(a model.Analysis) analysis.Criteria {
	return analysis.Criteria{
		Interval:       time.Duration(a.IntervalSeconds) * time.Second,
		MinSuccessRate: a.MinSuccessRate,
		MaxP99:         time.Duration(a.MaxP99Ms) * time.Millisecond,
		MinRequests:    a.MinRequests,
		FailureLimit:   a.FailureLimit,
		Deadline:       time.Duration(a.DeadlineSeconds) * time.Second,
	}
}

func describeSteps(steps []int) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = fmt.Sprintf("%d%%", s)
	}
	return strings.Join(parts, " → ")
}

func describeCriteria(c analysis.Criteria) string {
	return fmt.Sprintf("≥ %d requests, success ≥ %g%%, p99 ≤ %d ms; %d failed interval(s) tolerated, deadline %s",
		c.MinRequests, c.MinSuccessRate, c.MaxP99.Milliseconds(), c.FailureLimit, c.Deadline)
}

// Rollout runs a stack's progressive rollout with the real engine and
// Prometheus at prometheusURL.
func (w Workspace) Rollout(ctx context.Context, stack, service, prometheusURL string, abort bool) error {
	path := w.stackFile(stack)
	// Each step is an up of the stack file as the step wrote it.
	apply := func(ctx context.Context) error {
		opened, err := w.open(ctx, stack)
		if err != nil {
			return err
		}
		_, err = opened.Up(ctx)
		return err
	}
	return Rollout{
		Stack: stack, Service: service, Abort: abort,
		Load: func() (*release.StackFile, error) {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			return release.ParseStackFile(data)
		},
		Store: func(f *release.StackFile) error {
			data, err := f.Bytes()
			if err != nil {
				return err
			}
			return os.WriteFile(path, data, 0o644)
		},
		Decode: func(f *release.StackFile) (*model.Platform, error) {
			raw, err := f.Raw(stack)
			if err != nil {
				return nil, err
			}
			return model.Decode(raw, w.Engine.ProjectDir)
		},
		Apply:   apply,
		Measure: Prometheus{URL: strings.TrimRight(prometheusURL, "/"), Queries: DefaultQueries}.Measure,
		Sleep: func(ctx context.Context, d time.Duration) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
				return nil
			}
		},
		Now: time.Now,
		Out: w.Out,
	}.Run(ctx)
}
