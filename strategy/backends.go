package strategy

import (
	"slices"

	"github.com/cloudnative-pac/platform/names"
)

// Routes that cannot name a subset of a Service (the Gateway API's) send each
// share to a Service instead. Where the plan's Service selects one track, that
// Service is the backend; where it selects several and the routes divide
// traffic between them (a canary), each of those tracks gets a Service of its
// own.

// SplitsTracks reports whether the routes divide traffic between tracks the
// plan's Service selects together.
func (p Plan) SplitsTracks() bool { return len(p.ServiceTracks) > 1 }

// TrackServices lists, sorted, the tracks that need a Service of their own
// where routes cannot name subsets.
func (p Plan) TrackServices() []string {
	if !p.SplitsTracks() {
		return nil
	}
	return slices.Sorted(slices.Values(p.ServiceTracks))
}

// Backend names the Service a route sends a track's share to where routes
// cannot name subsets.
func (p Plan) Backend(service, track string) string {
	if p.SplitsTracks() {
		return names.TrackService(service, track)
	}
	return names.Service(service)
}
