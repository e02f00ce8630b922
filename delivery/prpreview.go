package delivery

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/strategy"
)

// PRPreview previews a stack and renders the result as the markdown of a
// pull-request comment: resource changes by kind of operation, and the release
// changes in plain words.
func (w Workspace) PRPreview(ctx context.Context, stack string) (string, error) {
	s, err := w.open(ctx, stack)
	if err != nil {
		return "", err
	}
	defer s.Close()
	deployed, _, err := w.deployed(ctx, s)
	if err != nil {
		return "", err
	}
	file, err := w.readStackFile(stack)
	if err != nil {
		return "", err
	}
	planned, err := file.Release()
	if err != nil {
		return "", err
	}
	raw, err := file.Raw(stack)
	if err != nil {
		return "", err
	}
	platform, err := model.Decode(raw, w.Engine.ProjectDir)
	if err != nil {
		return "", err
	}
	result, err := s.Preview(ctx, false)
	if err != nil {
		return "", err
	}
	return Markdown(stack, result.ChangeSummary, release.Changes(deployed, planned), TrafficDiagrams(platform, deployed),
		RolloutPlans(platform, deployed)...), nil
}

// ServiceDiagram is one service's traffic before and after, in Mermaid.
type ServiceDiagram struct {
	Service, Mermaid string
}

// TrafficDiagrams draw, for each service whose release the stack file
// changes, its traffic as deployed and as planned (a new service, or one
// whose strategy changes, only as planned).
func TrafficDiagrams(p *model.Platform, deployed release.Release) []ServiceDiagram {
	var diagrams []ServiceDiagram
	for _, s := range p.Services {
		current := release.Service{Strategy: string(s.Strategy), Release: s.Release}
		old, wasDeployed := deployed[s.Name]
		if wasDeployed && len(release.Changes(release.Release{s.Name: old}, release.Release{s.Name: current})) == 0 {
			continue
		}
		after, err := strategy.For(s)
		if err != nil {
			continue
		}
		var before *strategy.Plan
		if wasDeployed && old.Strategy == current.Strategy {
			previous := s
			previous.Release = old.Release.Copy()
			if plan, err := strategy.For(previous); err == nil {
				before = &plan
			}
		}
		diagrams = append(diagrams, ServiceDiagram{Service: s.Name, Mermaid: strategy.Diagram(s.Name, before, &after)})
	}
	return diagrams
}

// RolloutPlans describe, for each canary with a progressive block whose
// canary image is not yet deployed, the steps `platform rollout` will take
// and what each interval must show.
func RolloutPlans(p *model.Platform, deployed release.Release) []string {
	var plans []string
	for _, s := range p.Services {
		if s.Progressive == nil {
			continue
		}
		c := criteria(s.Progressive.Analysis)
		d, wasDeployed := deployed[s.Name]
		switch s.Strategy {
		case model.Canary:
			if wasDeployed && d.Canary != nil && d.Canary.CanaryImage == s.Canary.CanaryImage {
				continue
			}
			plan := fmt.Sprintf("%s: %s in steps %s, then promoted; each %s interval needs %s", s.Name, s.Canary.CanaryImage,
				describeSteps(s.Progressive.Steps), c.Interval, describeCriteria(c))
			if s.Progressive.MirrorPercent > 0 {
				plan += fmt.Sprintf("; %g%% of requests mirrored to the canary", s.Progressive.MirrorPercent)
			}
			plans = append(plans, plan)
		case model.BlueGreen:
			idle, image := s.BlueGreen.Idle(), idleImage(*s.BlueGreen)
			if wasDeployed && d.BlueGreen != nil && idleImage(*d.BlueGreen) == image {
				continue
			}
			plans = append(plans, fmt.Sprintf("%s: %s (%s) judged through its preview Service, then switched to; each %s interval needs %s",
				s.Name, idle, image, c.Interval, describeCriteria(c)))
		}
	}
	return plans
}

func idleImage(b model.BlueGreenSettings) string { return *b.Image(b.Idle()) }

// Markdown renders a preview summary, and the progressive rollouts planned.
func Markdown(stack string, summary map[apitype.OpType]int, releaseChanges []string, diagrams []ServiceDiagram, rolloutPlans ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Preview of `%s`\n\n", stack)
	ops := []apitype.OpType{apitype.OpCreate, apitype.OpUpdate, apitype.OpReplace, apitype.OpDelete}
	var rows []string
	for _, op := range ops {
		if n := summary[op]; n > 0 {
			rows = append(rows, fmt.Sprintf("| %s | %d |", op, n))
		}
	}
	if len(rows) == 0 && len(releaseChanges) == 0 {
		fmt.Fprintf(&b, "No changes: %d resources unchanged.\n", summary[apitype.OpSame])
		return b.String()
	}

	if len(rows) > 0 {
		b.WriteString("| resources | count |\n| --- | --- |\n")
		b.WriteString(strings.Join(rows, "\n") + "\n")
		fmt.Fprintf(&b, "\n%d unchanged.\n", summary[apitype.OpSame])
	}
	if len(releaseChanges) > 0 {
		sorted := append([]string(nil), releaseChanges...)
		sort.Strings(sorted)
		b.WriteString("\n**Release changes**\n\n")
		for _, c := range sorted {
			fmt.Fprintf(&b, "- %s\n", c)
		}
	}
	for _, d := range diagrams {
		fmt.Fprintf(&b, "\n**Traffic of %s**\n\n```mermaid\n%s```\n", d.Service, d.Mermaid)
	}
	if len(rolloutPlans) > 0 {
		b.WriteString("\n**Progressive rollout after merge** (`platform rollout`)\n\n")
		for _, p := range rolloutPlans {
			fmt.Fprintf(&b, "- %s\n", p)
		}
	}
	return b.String()
}
