package delivery

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/stacks"
	"github.com/cloudnative-pac/platform/strategy/analysis"
)

// runGroup rolls a release group out: each step moves every canary member's
// weight in one up (the first a whole, refreshing up; the rest only the
// members' routes), each interval judges every member by its own analysis,
// one member failing rolls every member back in one up, and passing the last
// step promotes every canary member and switches every blue/green member in
// one up. Gates, resuming and -abort work as for one service; the stack file
// records the group's rollout (cloudnative:rollout with group).
func (r Rollout) runGroup(ctx context.Context, file *release.StackFile, platform *model.Platform, state *release.RolloutState) error {
	name := r.Group
	if state != nil {
		if r.Service != "" && state.Group != "" {
			return fmt.Errorf("a rollout of group %s is in progress in %s; resume or abort it first", state.Group, r.Stack)
		}
		if state.Group == "" {
			return fmt.Errorf("a rollout of %s is in progress in %s; resume or abort it first", state.Service, r.Stack)
		}
		if name != "" && name != state.Group {
			return fmt.Errorf("a rollout of group %s is in progress in %s; resume or abort it first", state.Group, r.Stack)
		}
		name = state.Group
	}
	if r.Service != "" {
		return fmt.Errorf("-service and -group: choose one")
	}
	group, found := platform.ReleaseGroup(name)
	if !found {
		return fmt.Errorf("no release group %s in Pulumi.%s.yaml (services[].progressive.group)", name, r.Stack)
	}
	who := "group " + group.Name
	var canaries, routes []string
	for _, m := range group.Members {
		if m.Strategy == model.Canary {
			canaries = append(canaries, m.Name)
			routes = append(routes, stacks.StepTargets(platform.Routing.API, m)...)
		}
	}
	slices.Sort(routes)
	routes = slices.Compact(routes)
	if r.Approve && (state == nil || !state.AwaitingApproval) {
		return fmt.Errorf("no rollout awaits approval in %s", r.Stack)
	}
	if r.Abort {
		if state == nil {
			return fmt.Errorf("no rollout is in progress in %s", r.Stack)
		}
		r.say(ctx, "%s: aborting the rollout of %s at %s\n", r.Stack, who, groupStep(group, state.Step))
		return r.rollBackGroup(ctx, file, group, routes, nil, "aborted")
	}
	prometheusURL, err := r.prometheusURL(platform)
	if err != nil {
		return err
	}
	progress := &analysis.GroupProgress{Criteria: map[string]analysis.Criteria{}, Steps: group.Steps, Started: r.Now()}
	interval := time.Duration(0)
	releases, baselines := map[string]Target{}, map[string]Target{}
	for _, m := range group.Members {
		c := criteria(m.Progressive.Analysis)
		progress.Members = append(progress.Members, m.Name)
		progress.Criteria[m.Name] = c
		interval = max(interval, c.Interval)
		releases[m.Name], baselines[m.Name] = targets(platform, m, c.Interval)
	}
	if state == nil {
		state = &release.RolloutState{Group: group.Name, Started: progress.Started.UTC()}
		r.say(ctx, "%s: %s\n", r.Stack, describeGroupPlan(group))
	} else {
		progress.Step, progress.Failures, progress.Started = state.Step, state.MemberFailures, state.Started
		r.say(ctx, "%s: resuming the rollout of %s at %s (started %s)\n", r.Stack, who, groupStep(group, state.Step), state.Started.Format(time.RFC3339))
	}
	source := Prometheus{URL: prometheusURL, Queries: platform.Observability.RolloutQueries}
	var report []string
	applied := -1
	stepStarted := r.Now()
	for {
		step := progress.Step
		if applied != step {
			if len(canaries) > 0 {
				if err := r.gateAt(ctx, file, state, who, group.ApproveBefore, step, group.Steps[step]); err != nil {
					return err
				}
			}
			state.Step, state.MemberFailures = step, progress.Failures
			if err := r.recordGroup(file, canaries, group.Steps[step], state); err != nil {
				return err
			}
			if len(canaries) > 0 {
				var only []string
				if applied >= 0 {
					only = routes
				}
				if err := r.Apply(ctx, only); err != nil {
					return fmt.Errorf("apply %s at %s: %w (the rollout is recorded in Pulumi.%s.yaml: run rollout again to resume, or with -abort)", who, groupStep(group, step), err, r.Stack)
				}
			}
			applied = step
		}
		if err := r.Sleep(ctx, interval); err != nil {
			return err
		}
		seen := map[string]analysis.Observation{}
		for _, m := range group.Members {
			o, err := r.observe(ctx, source, releases[m.Name], baselines[m.Name], progress.Criteria[m.Name].AgainstStable != nil)
			if err != nil {
				return fmt.Errorf("measure %s at %s: %w (the rollout is recorded: run rollout again to resume, or with -abort)", m.Name, groupStep(group, step), err)
			}
			seen[m.Name] = o
		}
		action, verdicts, why := progress.Observe(r.Now(), seen)
		at := groupStep(group, step)
		var lines []string
		for _, v := range verdicts {
			lines = append(lines, fmt.Sprintf("%s %s: %s — %s", v.Name, at, v.Verdict, v.Why))
		}
		head := fmt.Sprintf("%s %s", who, at)
		switch action {
		case analysis.Advance:
			head = fmt.Sprintf("%s %s → %s (step took %s)", who, at, groupStep(group, progress.Step), r.Now().Sub(stepStarted).Round(time.Second))
			stepStarted = r.Now()
		case analysis.Promote:
			head = fmt.Sprintf("%s %s: every member passed (step took %s)", who, at, r.Now().Sub(stepStarted).Round(time.Second))
		case analysis.Wait:
			state.MemberFailures = progress.Failures
			if err := r.recordGroup(file, canaries, group.Steps[step], state); err != nil {
				return err
			}
		}
		block := head + "\n  " + strings.Join(lines, "\n  ")
		fmt.Fprintln(r.Out, block)
		r.tell(ctx, r.Stack+": "+block)
		report = append(report, head)
		report = append(report, indent(lines)...)
		switch action {
		case analysis.Promote:
			if len(canaries) > 0 {
				if err := r.gateAt(ctx, file, state, who, group.ApproveBefore, step, model.PromotionGate); err != nil {
					printReport(r.Out, report)
					return err
				}
			}
			return r.promoteGroup(ctx, file, group, report)
		case analysis.Rollback:
			return r.rollBackGroup(ctx, file, group, routes, report, why)
		}
	}
}

// observe measures one member's interval, and its stable when it compares.
func (r Rollout) observe(ctx context.Context, source Prometheus, release, baseline Target, compare bool) (analysis.Observation, error) {
	m, _, err := r.Measure(ctx, source, release)
	if err != nil || !compare {
		return analysis.Observation{Release: m}, err
	}
	s, _, err := r.Measure(ctx, source, baseline)
	return analysis.Observation{Release: m, Stable: &s}, err
}

// recordGroup writes the group's rollout in progress and every canary
// member's weight for the step.
func (r Rollout) recordGroup(file *release.StackFile, canaries []string, weight int, state *release.RolloutState) error {
	for _, name := range canaries {
		if err := file.SetCanaryWeight(name, weight); err != nil {
			return err
		}
	}
	if err := file.SetRollout(state); err != nil {
		return err
	}
	return r.Store(file)
}

func (r Rollout) promoteGroup(ctx context.Context, file *release.StackFile, group model.ReleaseGroup, report []string) error {
	var done []string
	for _, m := range group.Members {
		var err error
		if m.Strategy == model.BlueGreen {
			err = file.SetActiveColour(m.Name, m.BlueGreen.Idle())
			done = append(done, fmt.Sprintf("%s switched to %s", m.Name, m.BlueGreen.Idle()))
		} else {
			err = file.PromoteCanary(m.Name)
			done = append(done, fmt.Sprintf("%s promoted to %s", m.Name, m.Canary.CanaryImage))
		}
		if err != nil {
			return err
		}
	}
	if err := r.endGroup(ctx, file, group, "promotion", all); err != nil {
		return err
	}
	r.say(ctx, "%s: group %s promoted in one up: %s\n", r.Stack, group.Name, strings.Join(done, ", "))
	printReport(r.Out, report)
	return nil
}

func (r Rollout) rollBackGroup(ctx context.Context, file *release.StackFile, group model.ReleaseGroup, routes, report []string, why string) error {
	apply := nothing
	for _, m := range group.Members {
		if m.Strategy == model.Canary {
			if err := file.SetCanaryWeight(m.Name, 0); err != nil {
				return err
			}
			apply = routes
		}
	}
	if err := r.endGroup(ctx, file, group, "rollback", apply); err != nil {
		return err
	}
	r.say(ctx, "%s: group %s rolled back (%s): every member's stable (or active colour) takes every request\n", r.Stack, group.Name, why)
	printReport(r.Out, report)
	return fmt.Errorf("group %s: %w: %s", group.Name, ErrRolledBack, why)
}

// endGroup is end for every member at once: mirroring off, no rollout in
// progress, one apply.
func (r Rollout) endGroup(ctx context.Context, file *release.StackFile, group model.ReleaseGroup, what string, apply []string) error {
	var canaries []string
	for _, m := range group.Members {
		if m.Strategy == model.Canary {
			canaries = append(canaries, m.Name)
		}
	}
	return r.settle(ctx, file, "group "+group.Name, what, canaries, apply)
}

// groupStep says where a group's rollout is: its canaries' weight, or its
// blue/green members' idle colours under analysis.
func groupStep(group model.ReleaseGroup, step int) string {
	for _, m := range group.Members {
		if m.Strategy == model.Canary {
			return fmt.Sprintf("%d%%", group.Steps[step])
		}
	}
	return "idle colours"
}

func describeGroupPlan(group model.ReleaseGroup) string {
	var members []string
	for _, m := range group.Members {
		if m.Strategy == model.BlueGreen {
			members = append(members, fmt.Sprintf("%s (idle %s: %s)", m.Name, m.BlueGreen.Idle(), idleImage(*m.BlueGreen)))
		} else {
			members = append(members, fmt.Sprintf("%s (%s)", m.Name, m.Canary.CanaryImage))
		}
	}
	plan := fmt.Sprintf("rolling out group %s together: %s", group.Name, strings.Join(members, ", "))
	if groupStep(group, 0) != "idle colours" {
		plan += fmt.Sprintf("; canaries in steps %s, then promoting", describeSteps(group.Steps))
	}
	return plan + "; every member judged each interval, one failing rolls all back"
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}
