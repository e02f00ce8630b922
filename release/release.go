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

// Service is one service's release. Field names are the stack config's.
type Service struct {
	Strategy  string     `json:"strategy" yaml:"strategy"`
	Image     string     `json:"image,omitempty" yaml:"image,omitempty"`
	BlueGreen *BlueGreen `json:"blueGreen,omitempty" yaml:"blueGreen,omitempty"`
	Canary    *Canary    `json:"canary,omitempty" yaml:"canary,omitempty"`
}

// BlueGreen is the state of a blue/green pair.
type BlueGreen struct {
	BlueImage  string `json:"blueImage" yaml:"blueImage"`
	GreenImage string `json:"greenImage" yaml:"greenImage"`
	Active     string `json:"active" yaml:"active"`
}

// Canary is the state of a canary.
type Canary struct {
	StableImage string `json:"stableImage" yaml:"stableImage"`
	CanaryImage string `json:"canaryImage" yaml:"canaryImage"`
	Weight      int    `json:"weight" yaml:"weight"`
	Match       Match  `json:"match" yaml:"match"`
}

// Match is a canary's header rule.
type Match struct {
	Header string `json:"header" yaml:"header"`
	Exact  string `json:"exact,omitempty" yaml:"exact,omitempty"`
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Regex  string `json:"regex,omitempty" yaml:"regex,omitempty"`
}

// FromModel takes the release out of a validated environment.
func FromModel(p *model.Platform) Release {
	r := Release{}
	for _, s := range p.Services {
		svc := Service{Strategy: string(s.Strategy), Image: s.Image}
		if bg := s.BlueGreen; bg != nil {
			svc.BlueGreen = &BlueGreen{BlueImage: bg.BlueImage, GreenImage: bg.GreenImage, Active: string(bg.Active)}
		}
		if c := s.Canary; c != nil {
			svc.Canary = &Canary{StableImage: c.StableImage, CanaryImage: c.CanaryImage, Weight: c.Weight,
				Match: Match{Header: c.Match.Header, Exact: c.Match.Exact, Prefix: c.Match.Prefix, Regex: c.Match.Regex}}
		}
		r[s.Name] = svc
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
	change := func(what, from, to string) {
		if from != to {
			lines = append(lines, fmt.Sprintf("%s %s %s → %s", name, what, orNone(from), orNone(to)))
		}
	}
	if shape(old.Strategy) != shape(cur.Strategy) {
		change("strategy", old.Strategy, cur.Strategy)
	}
	change("image", old.Image, cur.Image)
	if old.BlueGreen != nil || cur.BlueGreen != nil {
		o, c := derefBG(old.BlueGreen), derefBG(cur.BlueGreen)
		change("blue image", o.BlueImage, c.BlueImage)
		change("green image", o.GreenImage, c.GreenImage)
		change("active", o.Active, c.Active)
	}
	if old.Canary != nil || cur.Canary != nil {
		o, c := derefCanary(old.Canary), derefCanary(cur.Canary)
		change("stable image", o.StableImage, c.StableImage)
		change("canary image", o.CanaryImage, c.CanaryImage)
		change("canary", fmt.Sprintf("%d%%", o.Weight), fmt.Sprintf("%d%%", c.Weight))
		change("match", o.Match.describe(), c.Match.describe())
	}
	return lines
}

func (m Match) describe() string {
	if m.Header == "" {
		return ""
	}
	return model.HeaderMatch{Header: m.Header, Exact: m.Exact, Prefix: m.Prefix, Regex: m.Regex}.Describe()
}

func derefBG(b *BlueGreen) BlueGreen {
	if b == nil {
		return BlueGreen{}
	}
	return *b
}

func derefCanary(c *Canary) Canary {
	if c == nil {
		return Canary{}
	}
	return *c
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(none)"
	}
	return s
}
