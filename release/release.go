// Package release is what moves between environments: per service, the images
// and the strategy's state (canary weight and match, active colour). Everything
// else in a stack — cluster, sizes, ports, hosts — belongs to its environment and
// is never promoted.
package release

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/cloudnative-pac/platform/model"
)

// Release maps service names to their releases.
type Release map[string]Service

// Service is one service's release with its strategy (which decides whose
// release fits whose). The fields are model.Release's, keys and all.
type Service struct {
	Strategy      string `json:"strategy" yaml:"strategy"`
	model.Release `yaml:",inline"`
}

// FromModel takes the release out of a validated environment.
func FromModel(p *model.Platform) Release {
	r := Release{}
	for _, s := range p.Services {
		r[s.Name] = Service{Strategy: string(s.Strategy), Release: s.Release.Copy()}
	}
	return r
}

// Parse reads a release from its JSON form (the stack output "release").
func Parse(data string) (Release, error) {
	var r Release
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return nil, fmt.Errorf("parse release: %w", err)
	}
	return r, nil
}

// JSON renders the release deterministically.
func (r Release) JSON() string {
	data, _ := json.Marshal(r)
	return string(data)
}

// Names lists the services in order.
func (r Release) Names() []string {
	names := make([]string, 0, len(r))
	for name := range r {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Images lists every image a service runs.
func (s Service) Images() []string {
	switch {
	case s.BlueGreen != nil:
		return []string{s.BlueGreen.BlueImage, s.BlueGreen.GreenImage}
	case s.Canary != nil:
		return []string{s.Canary.StableImage, s.Canary.CanaryImage}
	default:
		return []string{s.Image}
	}
}

// Changes says in plain words how a release differs from the one before, one line
// per change, e.g. "java-service canary 10% → 25%".
func Changes(before, after Release) []string {
	var lines []string
	seen := map[string]bool{}
	for _, name := range append(before.Names(), after.Names()...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		old, hadOld := before[name]
		cur, hasNew := after[name]
		switch {
		case !hadOld:
			lines = append(lines, fmt.Sprintf("%s added (%s)", name, cur.Strategy))
			continue
		case !hasNew:
			lines = append(lines, fmt.Sprintf("%s removed", name))
			continue
		}
		lines = append(lines, serviceChanges(name, old, cur)...)
	}
	return lines
}

func serviceChanges(name string, old, cur Service) []string {
	var lines []string
	if shape(old.Strategy) != shape(cur.Strategy) {
		lines = append(lines, fmt.Sprintf("%s strategy %s → %s", name, orNone(old.Strategy), orNone(cur.Strategy)))
	}
	// Both walks list every field of the type in the same order.
	before, after := fieldTexts(old.Release), fieldTexts(cur.Release)
	for i, f := range after {
		if from := before[i].text; from != f.text {
			lines = append(lines, fmt.Sprintf("%s %s %s → %s", name, f.label, orNone(from), orNone(f.text)))
		}
	}
	return lines
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(none)"
	}
	return s
}
