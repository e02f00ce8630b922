package strategy

import (
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// canary sends requests matching a header rule to the canary, and a weight of the
// rest; promotion is raising the weight or moving the canary image to stable.
type canary struct{}

func (canary) Plan(s model.Service) Plan {
	c := s.Canary
	match := c.Match
	// A progressive rollout may shadow the default route's requests to the
	// canary, so it is measured before (and while) users reach it.
	var mirror *Mirror
	if g := s.Progressive; g != nil && g.MirrorPercent > 0 {
		mirror = &Mirror{Track: names.TrackCanary, Percent: g.MirrorPercent}
	}
	return Plan{
		Strategy: model.Canary,
		Tracks: []Track{
			{Name: names.TrackStable, Image: c.StableImage, Replicas: s.Replicas, Rollout: rollingDefault},
			{Name: names.TrackCanary, Image: c.CanaryImage, Replicas: s.Replicas, Rollout: rollingDefault},
		},
		ServiceTracks: []string{names.TrackStable, names.TrackCanary},
		Routes: []Route{
			{Match: &match, Destinations: []Destination{{Track: names.TrackCanary, Weight: 100}}},
			{Destinations: []Destination{
				{Track: names.TrackStable, Weight: 100 - c.Weight},
				{Track: names.TrackCanary, Weight: c.Weight},
			}, Mirror: mirror},
		},
	}
}
