package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/stacks"
	"github.com/cloudnative-pac/platform/strategy/analysis"
)

// Rollout takes a release through the analysis its stack file configures
// (services[].progressive). A canary walks its steps, one up per step, each
// interval of its traffic judged by its measurements; on success it is
// promoted, on failure rolled back. A blue/green pair's idle colour is judged
// by the traffic of its preview Service before anything changes; on success
// the pair switches. Either way the outcome is written into the stack file.
// Before each step is applied, the stack file records the rollout in progress
// (cloudnative:rollout), so a killed rollout resumes where it was, or is
// aborted, and the file and the cluster end up agreeing.
//
// The dependencies are fields so that the loop runs in unit tests without a
// cluster; Workspace.Rollout fills them with the real ones.
type Rollout struct {
	Stack   string
	Service string
	// Group, instead of Service, names a release group to roll out
	// (services[].progressive.group).
	Group string
	Abort bool
	// Approve continues a rollout stopped at a gate.
	Approve bool
	// Notify, when set, gets each event of the rollout as a line (start,
	// every interval, a gate, the promotion, the rollback). It reports its
	// own failures and never changes the rollout.
	Notify func(ctx context.Context, text string)
	// Prometheus overrides the stack's observability.prometheusUrl.
	Prometheus string
	Load       func() (*release.StackFile, error)
	Store      func(*release.StackFile) error
	Decode     func(*release.StackFile) (*model.Platform, error)
	// Apply brings the cluster to the stack file: all of it (only nil), or
	// just the objects whose URNs match only (a step's routes).
	Apply   func(ctx context.Context, only []string) error
	Measure func(ctx context.Context, source Prometheus, target Target) (analysis.Measurement, []string, error)
	Sleep   func(context.Context, time.Duration) error
	Now     func() time.Time
	Out     io.Writer
}

// ErrRolledBack is returned when a rollout ends by rolling back (or, for a
// blue/green pair, by not switching).
var ErrRolledBack = errors.New("rolled back")

// ErrAwaitingApproval is returned when a rollout stops at a gate: it is
// recorded, and continues with -approve (or rolls back with -abort).
var ErrAwaitingApproval = errors.New("awaiting approval")

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
	if r.Group != "" || (state != nil && state.Group != "") {
		return r.runGroup(ctx, file, platform, state)
	}
	name := r.Service
	if state != nil {
		if name != "" && name != state.Service {
			return fmt.Errorf("a rollout of %s is in progress in %s; resume or abort it first", state.Service, r.Stack)
		}
		name = state.Service
	}
	svc, err := progressiveService(platform, name)
	if err != nil {
		return err
	}
	if group := svc.Progressive.Group; group != "" {
		return fmt.Errorf("%s is in release group %s: roll it out with -group %s, so its members move together", svc.Name, group, group)
	}
	// The objects holding the service's weights, in the stack's routing API.
	routes := stacks.StepTargets(platform.Routing.API, svc)
	if r.Approve && (state == nil || !state.AwaitingApproval) {
		return fmt.Errorf("no rollout awaits approval in %s", r.Stack)
	}
	if r.Abort {
		if state == nil {
			return fmt.Errorf("no rollout is in progress in %s", r.Stack)
		}
		r.say(ctx, "%s: aborting the rollout of %s at %s\n", r.Stack, svc.Name, stepName(svc, state.Step))
		return r.rollBack(ctx, file, svc, routes, nil, "aborted")
	}
	prometheusURL, err := r.prometheusURL(platform)
	if err != nil {
		return err
	}
	g := svc.Progressive
	progress := &analysis.Progress{Criteria: criteria(g.Analysis), Steps: g.Steps, Started: r.Now()}
	target, baseline := targets(platform, svc, progress.Criteria.Interval)
	if svc.Strategy == model.BlueGreen {
		// One step: the idle colour, measured as it is.
		progress.Steps = []int{0}
	}
	if state == nil {
		state = &release.RolloutState{Service: svc.Name, Started: progress.Started.UTC()}
		r.say(ctx, "%s: %s; each %s interval needs %s\n",
			r.Stack, describePlan(svc), progress.Criteria.Interval, describeCriteria(progress.Criteria))
	} else {
		progress.Step, progress.Failures, progress.Started = state.Step, state.Failures, state.Started
		r.say(ctx, "%s: resuming the rollout of %s at %s (started %s, %d failed interval(s))\n",
			r.Stack, svc.Name, stepName(svc, state.Step), state.Started.Format(time.RFC3339), state.Failures)
	}
	var report []string
	applied := -1
	stepStarted := r.Now()
	for {
		if applied != progress.Step {
			if err := r.gate(ctx, file, svc, state, progress.Step, progress.Steps[progress.Step]); err != nil {
				return err
			}
			state.Step, state.Failures = progress.Step, progress.Failures
			if err := r.record(file, svc, state); err != nil {
				return err
			}
			// A blue/green pair changes nothing before its switch. The first
			// step of a run applies the whole stack, refreshing (the canary's
			// Deployment, and any drift, set right once); each step after it
			// changes weights only, so it applies only the service's routes.
			if svc.Strategy == model.Canary {
				var only []string
				if applied >= 0 {
					only = routes
				}
				if err := r.Apply(ctx, only); err != nil {
					return fmt.Errorf("apply %s at %s: %w (the rollout is recorded in Pulumi.%s.yaml: run rollout again to resume, or with -abort)", svc.Name, stepName(svc, progress.Step), err, r.Stack)
				}
			}
			applied = progress.Step
		}
		if err := r.Sleep(ctx, progress.Criteria.Interval); err != nil {
			return err
		}
		m, queries, err := r.Measure(ctx, Prometheus{URL: prometheusURL, Queries: platform.Observability.RolloutQueries}, target)
		if err != nil {
			return fmt.Errorf("measure %s at %s: %w (the rollout is recorded: run rollout again to resume, or with -abort)", svc.Name, stepName(svc, progress.Step), err)
		}
		if len(report) == 0 {
			fmt.Fprintf(r.Out, "queries (%s):\n  %s\n", prometheusURL, strings.Join(queries, "\n  "))
		}
		var stable *analysis.Measurement
		if progress.Criteria.AgainstStable != nil {
			s, _, err := r.Measure(ctx, Prometheus{URL: prometheusURL, Queries: platform.Observability.RolloutQueries}, baseline)
			if err != nil {
				return fmt.Errorf("measure %s's stable at %s: %w (the rollout is recorded: run rollout again to resume, or with -abort)", svc.Name, stepName(svc, progress.Step), err)
			}
			stable = &s
		}
		at := stepName(svc, progress.Step)
		action, verdict, why := progress.Observe(r.Now(), m, stable)
		line := fmt.Sprintf("%s %s: %s — %s", svc.Name, at, verdict, why)
		switch action {
		case analysis.Advance:
			line = fmt.Sprintf("%s %s → %s: %s (step took %s)", svc.Name, at, stepName(svc, progress.Step), why, r.Now().Sub(stepStarted).Round(time.Second))
			stepStarted = r.Now()
		case analysis.Promote:
			line = fmt.Sprintf("%s %s: %s (step took %s)", svc.Name, at, why, r.Now().Sub(stepStarted).Round(time.Second))
		case analysis.Wait:
			state.Failures = progress.Failures
			if err := r.record(file, svc, state); err != nil {
				return err
			}
		}
		fmt.Fprintln(r.Out, line)
		r.tell(ctx, r.Stack+": "+line)
		report = append(report, line)
		switch action {
		case analysis.Promote:
			if err := r.gate(ctx, file, svc, state, progress.Step, model.PromotionGate); err != nil {
				printReport(r.Out, report)
				return err
			}
			return r.promote(ctx, file, svc, report)
		case analysis.Rollback:
			return r.rollBack(ctx, file, svc, routes, report, why)
		}
	}
}

// prometheusURL is where a rollout measures: -prometheus, else the stack's
// observability.prometheusUrl; without either nothing is applied.
func (r Rollout) prometheusURL(platform *model.Platform) (string, error) {
	url := r.Prometheus
	if url == "" {
		url = platform.Observability.PrometheusURL
	}
	if url == "" {
		return "", fmt.Errorf("rollout needs Prometheus: set observability.prometheusUrl in Pulumi.%s.yaml, or -prometheus URL, or PROMETHEUS_URL", r.Stack)
	}
	return url, nil
}

// targets are what a release's interval measures: the canary track (a
// blue/green pair's idle colour) and, when the analysis compares, what it is
// compared with: the stable track (the active colour).
func targets(platform *model.Platform, svc model.Service, window time.Duration) (release, baseline Target) {
	release = Target{Namespace: platform.App.Namespace, Workload: names.Deployment(svc.Name, names.TrackCanary), Window: window}
	baseline = release
	baseline.Workload = names.Deployment(svc.Name, names.TrackStable)
	if svc.Strategy == model.BlueGreen {
		release.Workload = names.Deployment(svc.Name, string(svc.BlueGreen.Idle()))
		baseline.Workload = names.Deployment(svc.Name, string(svc.BlueGreen.Active))
	}
	return release, baseline
}

// gate stops a canary before a weight (or the promotion) a person must
// approve first: the stack file records that it waits, and the rollout ends
// with ErrAwaitingApproval. Run with Approve, the gate it waits at passes.
// Waiting is never a pass: a gate does not time out into the next step.
func (r Rollout) gate(ctx context.Context, file *release.StackFile, svc model.Service, state *release.RolloutState, step, weight int) error {
	if svc.Strategy != model.Canary {
		return nil
	}
	return r.gateAt(ctx, file, state, svc.Name, svc.Progressive.ApproveBefore, step, weight)
}

// gateAt is gate for whatever moves (a service, "group G") with those gates.
func (r Rollout) gateAt(ctx context.Context, file *release.StackFile, state *release.RolloutState, who string, approveBefore []int, step, weight int) error {
	if !slices.Contains(approveBefore, weight) || slices.Contains(state.Approved, weight) {
		return nil
	}
	what := fmt.Sprintf("%d%%", weight)
	if weight == model.PromotionGate {
		what = "the promotion"
	}
	if r.Approve && state.AwaitingApproval {
		state.AwaitingApproval = false
		state.Approved = append(state.Approved, weight)
		r.say(ctx, "%s: %s approved\n", who, what)
		return file.SetRollout(state)
	}
	// Recorded without the gated weight: until approved, the file keeps the
	// weight the cluster has, so an up meanwhile changes nothing.
	state.AwaitingApproval = true
	state.Step = step
	if err := file.SetRollout(state); err != nil {
		return err
	}
	if err := r.Store(file); err != nil {
		return err
	}
	r.say(ctx, "%s: %s waits for approval before %s: run `platform rollout -stack %s -approve` to go on, or `-abort` to roll back\n",
		r.Stack, who, what, r.Stack)
	return fmt.Errorf("%s before %s: %w", who, what, ErrAwaitingApproval)
}

// say prints a line of the rollout's news and sends it on.
func (r Rollout) say(ctx context.Context, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	fmt.Fprint(r.Out, text)
	r.tell(ctx, strings.TrimSuffix(text, "\n"))
}

// tell sends one line of news, when the rollout has somewhere to send it.
func (r Rollout) tell(ctx context.Context, text string) {
	if r.Notify != nil {
		r.Notify(ctx, text)
	}
}

// record writes the rollout in progress, and for a canary the step's weight.
func (r Rollout) record(file *release.StackFile, svc model.Service, state *release.RolloutState) error {
	if svc.Strategy == model.Canary {
		if err := file.SetCanaryWeight(svc.Name, svc.Progressive.Steps[state.Step]); err != nil {
			return err
		}
	}
	if err := file.SetRollout(state); err != nil {
		return err
	}
	return r.Store(file)
}

// stepName says where a rollout is: the canary's weight, or the idle colour
// under analysis.
func stepName(svc model.Service, step int) string {
	if svc.Strategy == model.BlueGreen {
		return string(svc.BlueGreen.Idle()) + " (idle)"
	}
	return fmt.Sprintf("%d%%", svc.Progressive.Steps[step])
}

func describePlan(svc model.Service) string {
	if svc.Strategy == model.BlueGreen {
		idle, image := svc.BlueGreen.Idle(), idleImage(*svc.BlueGreen)
		return fmt.Sprintf("checking %s's idle colour %s (%s) through its preview Service, then switching to it", svc.Name, idle, image)
	}
	return fmt.Sprintf("rolling out %s (%s) in steps %s, then promoting", svc.Name, svc.Canary.CanaryImage, describeSteps(svc.Progressive.Steps))
}

func (r Rollout) promote(ctx context.Context, file *release.StackFile, svc model.Service, report []string) error {
	if svc.Strategy == model.BlueGreen {
		idle := svc.BlueGreen.Idle()
		switchTo := func(service string) error { return file.SetActiveColour(service, idle) }
		if err := r.end(ctx, file, svc, "switch", switchTo, all); err != nil {
			return err
		}
		r.say(ctx, "%s: %s switched: %s is active and takes every request\n", r.Stack, svc.Name, idle)
	} else {
		if err := r.end(ctx, file, svc, "promotion", file.PromoteCanary, all); err != nil {
			return err
		}
		r.say(ctx, "%s: %s promoted: %s is stable, the canary takes no traffic\n", r.Stack, svc.Name, svc.Canary.CanaryImage)
	}
	printReport(r.Out, report)
	return nil
}

func printReport(out io.Writer, report []string) {
	if len(report) > 0 {
		fmt.Fprintf(out, "steps:\n  %s\n", strings.Join(report, "\n  "))
	}
}

func (r Rollout) rollBack(ctx context.Context, file *release.StackFile, svc model.Service, routes, report []string, why string) error {
	if svc.Strategy == model.BlueGreen {
		// Nothing was applied: the active colour keeps every request.
		keep := func(string) error { return nil }
		if err := r.end(ctx, file, svc, "end", keep, nothing); err != nil {
			return err
		}
		r.say(ctx, "%s: %s not switched (%s): %s stays active\n", r.Stack, svc.Name, why, svc.BlueGreen.Active)
	} else {
		toZero := func(service string) error { return file.SetCanaryWeight(service, 0) }
		if err := r.end(ctx, file, svc, "rollback", toZero, routes); err != nil {
			return err
		}
		r.say(ctx, "%s: %s rolled back (%s): every request goes to %s\n", r.Stack, svc.Name, why, svc.Canary.StableImage)
	}
	printReport(r.Out, report)
	return fmt.Errorf("%s: %w: %s", svc.Name, ErrRolledBack, why)
}

// What end applies: the whole stack (a promotion or a switch changes
// Deployments or Services), nothing, or the objects matching a list.
var (
	all     = []string{}
	nothing []string
)

// end writes a rollout's outcome (edit, mirroring off, no rollout in
// progress) into the stack file and applies what it changes: apply is all,
// nothing, or the URN globs of what changed (a rollback's routes).
func (r Rollout) end(ctx context.Context, file *release.StackFile, svc model.Service, what string, edit func(service string) error, apply []string) error {
	if err := edit(svc.Name); err != nil {
		return err
	}
	return r.settle(ctx, file, svc.Name, what, []string{svc.Name}, apply)
}

// settle ends whatever rolled out (who) in the stack file — mirroring off for
// the services named, no rollout in progress — and applies apply (all,
// nothing, or URN globs).
func (r Rollout) settle(ctx context.Context, file *release.StackFile, who, what string, mirrorsOff, apply []string) error {
	for _, name := range mirrorsOff {
		if err := file.SetMirrorPercent(name, 0); err != nil {
			return err
		}
	}
	if err := file.SetRollout(nil); err != nil {
		return err
	}
	if err := r.Store(file); err != nil {
		return err
	}
	if apply == nil {
		return nil
	}
	var only []string
	if len(apply) > 0 {
		only = apply
	}
	if err := r.Apply(ctx, only); err != nil {
		return fmt.Errorf("apply the %s of %s: %w (Pulumi.%s.yaml holds it: run up)", what, who, err, r.Stack)
	}
	return nil
}

// progressiveService finds the release to roll out: the service named, or the
// only canary or blue/green pair with a progressive block.
func progressiveService(p *model.Platform, name string) (model.Service, error) {
	var found []model.Service
	for _, s := range p.Services {
		if s.Progressive != nil && (name == "" || s.Name == name) {
			found = append(found, s)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case name != "":
		return model.Service{}, fmt.Errorf("no service named %s with a progressive block", name)
	case len(found) == 0:
		return model.Service{}, fmt.Errorf("no service has a progressive block")
	default:
		return model.Service{}, fmt.Errorf("%d services have a progressive block: choose one with -service", len(found))
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
		AgainstStable:  against(a.AgainstStable),
	}
}

func against(s *model.AgainstStable) *analysis.Relative {
	if s == nil {
		return nil
	}
	return &analysis.Relative{MaxErrorRateIncrease: s.MaxErrorRateIncrease, MaxP99Ratio: s.MaxP99Ratio}
}

func describeSteps(steps []int) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = fmt.Sprintf("%d%%", s)
	}
	return strings.Join(parts, " → ")
}

func describeCriteria(c analysis.Criteria) string {
	against := ""
	if r := c.AgainstStable; r != nil {
		against = fmt.Sprintf(", and against the stable: error rate at most %g points above its, p99 at most %g× its", r.MaxErrorRateIncrease, r.MaxP99Ratio)
	}
	return fmt.Sprintf("≥ %d requests, success ≥ %g%%, p99 ≤ %d ms%s; %d failed interval(s) tolerated, deadline %s",
		c.MinRequests, c.MinSuccessRate, c.MaxP99.Milliseconds(), against, c.FailureLimit, c.Deadline)
}

// Rollout runs a stack's progressive rollout with the real engine and the
// Prometheus at prometheusURL (empty: the stack's observability.prometheusUrl).
func (w Workspace) Rollout(ctx context.Context, stack, service, group, prometheusURL string, abort, approve bool) error {
	path := w.stackFile(stack)
	// Each step is an up of the stack file as the step wrote it.
	apply := func(ctx context.Context, only []string) error {
		opened, err := w.open(ctx, stack)
		if err != nil {
			return err
		}
		defer opened.Close()
		if only != nil {
			_, err = opened.UpOnly(ctx, only)
			return err
		}
		_, err = opened.Up(ctx)
		return err
	}
	r := Rollout{
		Stack: stack, Service: service, Group: group, Abort: abort, Approve: approve, Prometheus: strings.TrimRight(prometheusURL, "/"),
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
		Apply: apply,
		Measure: func(ctx context.Context, source Prometheus, target Target) (analysis.Measurement, []string, error) {
			return source.Measure(ctx, target)
		},
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
	}
	if hook := w.rolloutWebhook(path, stack); hook != nil {
		queue := hook.Start()
		defer queue.Close(webhookFlush)
		r.Notify = queue.Send
	}
	return r.Run(ctx)
}

// WebhookEnv holds a rollout webhook's URL kept out of the stack file (a
// secret): it wins over observability.rolloutWebhookUrl.
const WebhookEnv = "ROLLOUT_WEBHOOK_URL"

// rolloutWebhook is where a stack's rollout news goes: $ROLLOUT_WEBHOOK_URL,
// else the stack's observability.rolloutWebhookUrl; nil for nowhere.
func (w Workspace) rolloutWebhook(path, stack string) *Webhook {
	url := os.Getenv(WebhookEnv)
	if url == "" {
		if data, err := os.ReadFile(path); err == nil {
			if file, err := release.ParseStackFile(data); err == nil {
				if raw, err := file.Raw(stack); err == nil {
					if p, err := model.Decode(raw, w.Engine.ProjectDir); err == nil {
						url = p.Observability.RolloutWebhookURL
					}
				}
			}
		}
	}
	return NewWebhook(url, w.Out)
}
