package strategy

import (
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// recreate stops every old pod before starting new ones: downtime, but never two
// versions at once.
type recreate struct{}

func (recreate) Plan(s model.Service) Plan {
	return Plan{
		Strategy:      model.Recreate,
		Tracks:        []Track{{Name: names.TrackPrimary, Image: s.Image, Replicas: s.Replicas, Rollout: Rollout{Type: RolloutRecreate}}},
		ServiceTracks: []string{names.TrackPrimary},
		Routes:        all(names.TrackPrimary),
	}
}
