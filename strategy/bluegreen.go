package strategy

import (
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// blueGreen keeps both colours running at full size and sends all traffic to the
// active one; switching is a change of the active colour only.
type blueGreen struct{}

func (blueGreen) Plan(s model.Service) Plan {
	bg := s.BlueGreen
	active, idle := string(bg.Active), string(bg.Idle())
	return Plan{
		Strategy: model.BlueGreen,
		Tracks: []Track{
			{Name: names.TrackBlue, Image: bg.BlueImage, Replicas: s.Replicas, Rollout: rollingDefault},
			{Name: names.TrackGreen, Image: bg.GreenImage, Replicas: s.Replicas, Rollout: rollingDefault},
		},
		ServiceTracks: []string{active},
		PreviewTrack:  idle,
		Routes:        all(active),
	}
}
