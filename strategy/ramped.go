package strategy

import (
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// ramped replaces pods a few at a time, bounded by maxSurge and maxUnavailable.
type ramped struct{}

func (ramped) Plan(s model.Service) Plan {
	rollout := Rollout{
		Type:            RolloutRollingUpdate,
		MaxSurge:        s.Ramped.MaxSurge,
		MaxUnavailable:  s.Ramped.MaxUnavailable,
		MinReadySeconds: s.Ramped.MinReadySeconds,
	}
	return Plan{
		Strategy:      model.Ramped,
		Tracks:        []Track{{Name: names.TrackPrimary, Image: s.Image, Replicas: s.Replicas, Rollout: rollout}},
		ServiceTracks: []string{names.TrackPrimary},
		Routes:        all(names.TrackPrimary),
	}
}
