// Package strategy turns a service's release settings into a plan: which tracks
// (Deployments) run, which the Service selects, and how Istio splits traffic. It is
// pure: components only register what a plan says.
package strategy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cloudnative-pac/platform/model"
)

// RolloutType mirrors a Deployment's strategy.type.
type RolloutType string

const (
	RolloutRecreate      RolloutType = "Recreate"
	RolloutRollingUpdate RolloutType = "RollingUpdate"
)

// Rollout is how one Deployment replaces its pods.
type Rollout struct {
	Type            RolloutType
	MaxSurge        string
	MaxUnavailable  string
	MinReadySeconds int
}

// Track is one Deployment: a version of the service with its own pod label.
type Track struct {
	Name     string
	Image    string
	Replicas int
	Rollout  Rollout
}

// Destination is a share of a route's traffic sent to one track.
type Destination struct {
	Track  string
	Weight int
}

// Route is one ordered HTTP route; a nil Match is the default route.
type Route struct {
	Match        *model.HeaderMatch
	Destinations []Destination
	// Mirror, when set, copies a share of the route's requests to a track
	// whose answers are discarded.
	Mirror *Mirror
}

// Mirror is a share of a route's requests copied to one track.
type Mirror struct {
	Track   string
	Percent float64
}

// Plan is everything a strategy decides for one service.
type Plan struct {
	Strategy model.Strategy
	Tracks   []Track
	// ServiceTracks are the tracks the Service selects; with more than one, the
	// Service selects by app label alone and Istio does the splitting.
	ServiceTracks []string
	// PreviewTrack, when set, gets a second Service of its own (blue/green idle).
	PreviewTrack string
	// Routes are in evaluation order: header matches first, default last.
	Routes []Route
}

// Strategy plans one kind of release.
type Strategy interface {
	Plan(service model.Service) Plan
}

// registry holds one entry per strategy; adding a strategy is a new file and a line here.
var registry = map[model.Strategy]Strategy{
	model.Recreate:  recreate{},
	model.Ramped:    ramped{},
	model.BlueGreen: blueGreen{},
	model.Canary:    canary{},
}

// For plans a validated service.
func For(service model.Service) (Plan, error) {
	s, ok := registry[service.Strategy]
	if !ok {
		return Plan{}, fmt.Errorf("service %s: no strategy %q", service.Name, service.Strategy)
	}
	return s.Plan(service), nil
}

// Images returns the image of every track.
func (p Plan) Images() map[string]string {
	images := make(map[string]string, len(p.Tracks))
	for _, t := range p.Tracks {
		images[t.Name] = t.Image
	}
	return images
}

// Describe renders the traffic plan for people, e.g.
// "stable 90% / canary 10%, channel=mobile → canary".
func (p Plan) Describe() string {
	var parts []string
	var matched []string
	for _, r := range p.Routes {
		if r.Match != nil {
			target := describeSplit(r.Destinations)
			if len(r.Destinations) == 1 && r.Destinations[0].Weight == 100 {
				target = r.Destinations[0].Track
			}
			matched = append(matched, fmt.Sprintf("%s → %s", r.Match.Describe(), target))
			continue
		}
		parts = append(parts, describeSplit(r.Destinations))
	}
	parts = append(parts, matched...)
	if p.PreviewTrack != "" {
		parts = append(parts, p.PreviewTrack+" idle (preview service)")
	}
	return strings.Join(parts, ", ")
}

func describeSplit(destinations []Destination) string {
	shares := make([]string, 0, len(destinations))
	for _, d := range destinations {
		shares = append(shares, fmt.Sprintf("%s %d%%", d.Track, d.Weight))
	}
	return strings.Join(shares, " / ")
}

// TrackNames lists the tracks in a stable order.
func (p Plan) TrackNames() []string {
	names := make([]string, 0, len(p.Tracks))
	for _, t := range p.Tracks {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	return names
}

// rollingDefault is the rollout of tracks whose strategy does not tune it.
var rollingDefault = Rollout{Type: RolloutRollingUpdate, MaxSurge: model.DefaultMaxSurge, MaxUnavailable: model.DefaultMaxUnavailable}

// all sends every request to one track.
func all(track string) []Route {
	return []Route{{Destinations: []Destination{{Track: track, Weight: 100}}}}
}
