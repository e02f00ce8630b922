package strategy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

func canaryService(weight int) model.Service {
	return model.Service{Name: "java-service", Strategy: model.Canary, Replicas: 2, Release: model.Release{Canary: &model.CanarySettings{
		StableImage: "repo/java:1", CanaryImage: "repo/java:2", Weight: weight,
		Match: model.HeaderMatch{Header: "channel", Exact: "mobile"},
	}}}
}

func TestFor_PlansEveryStrategy(t *testing.T) {
	cases := []struct {
		name          string
		service       model.Service
		tracks        []string
		serviceTracks []string
		preview       string
		rollout       RolloutType
		describe      string
	}{
		{"recreate", model.Service{Name: "a", Strategy: model.Recreate, Release: model.Release{Image: "repo/a:1"}, Replicas: 3},
			[]string{"primary"}, []string{"primary"}, "", RolloutRecreate, "primary 100%"},
		{"ramped", model.Service{Name: "a", Strategy: model.Ramped, Release: model.Release{Image: "repo/a:1"}, Replicas: 3,
			Ramped: &model.RampedSettings{MaxSurge: "1", MaxUnavailable: "0", MinReadySeconds: 5}},
			[]string{"primary"}, []string{"primary"}, "", RolloutRollingUpdate, "primary 100%"},
		{"blue/green on green", model.Service{Name: "a", Strategy: model.BlueGreen, Replicas: 2,
			Release: model.Release{BlueGreen: &model.BlueGreenSettings{BlueImage: "repo/a:1", GreenImage: "repo/a:2", Active: model.Green}}},
			[]string{"blue", "green"}, []string{"green"}, "blue", RolloutRollingUpdate, "green 100%, blue idle (preview service)"},
		{"canary", canaryService(10), []string{"canary", "stable"}, []string{"stable", "canary"}, "", RolloutRollingUpdate,
			"stable 90% / canary 10%, channel=mobile → canary"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := For(tc.service)
			require.NoError(t, err)
			assert.Equal(t, tc.tracks, plan.TrackNames())
			assert.Equal(t, tc.serviceTracks, plan.ServiceTracks)
			assert.Equal(t, tc.preview, plan.PreviewTrack)
			assert.Equal(t, tc.describe, plan.Describe())
			for _, track := range plan.Tracks {
				assert.Equal(t, tc.rollout, track.Rollout.Type, "track %s", track.Name)
				assert.Equal(t, tc.service.Replicas, track.Replicas, "track %s", track.Name)
			}
			for _, route := range plan.Routes {
				assert.Equal(t, 100, totalWeight(route), "weights of every route sum to 100")
			}
		})
	}
}

func TestFor_RampedCarriesRolloutSettings(t *testing.T) {
	plan, err := For(model.Service{Name: "a", Strategy: model.Ramped, Release: model.Release{Image: "repo/a:1"}, Replicas: 3,
		Ramped: &model.RampedSettings{MaxSurge: "1", MaxUnavailable: "25%", MinReadySeconds: 7}})
	require.NoError(t, err)
	assert.Equal(t, Rollout{Type: RolloutRollingUpdate, MaxSurge: "1", MaxUnavailable: "25%", MinReadySeconds: 7}, plan.Tracks[0].Rollout)
}

func TestFor_CanaryRoutesHeaderFirstThenWeights(t *testing.T) {
	for _, weight := range []int{0, 25, 100} {
		plan, err := For(canaryService(weight))
		require.NoError(t, err)
		require.Len(t, plan.Routes, 2)
		require.NotNil(t, plan.Routes[0].Match, "the header route comes first")
		assert.Equal(t, []Destination{{Track: "canary", Weight: 100}}, plan.Routes[0].Destinations)
		assert.Nil(t, plan.Routes[1].Match, "the weighted default comes last")
		assert.Equal(t, []Destination{{Track: "stable", Weight: 100 - weight}, {Track: "canary", Weight: weight}}, plan.Routes[1].Destinations)
	}
}

func TestFor_BlueGreenSendsAllTrafficToActive(t *testing.T) {
	for _, active := range []model.Colour{model.Blue, model.Green} {
		plan, err := For(model.Service{Name: "web", Strategy: model.BlueGreen, Replicas: 1,
			Release: model.Release{BlueGreen: &model.BlueGreenSettings{BlueImage: "repo/w:1", GreenImage: "repo/w:2", Active: active}}})
		require.NoError(t, err)
		assert.Equal(t, []Route{{Destinations: []Destination{{Track: string(active), Weight: 100}}}}, plan.Routes)
		assert.Equal(t, map[string]string{"blue": "repo/w:1", "green": "repo/w:2"}, plan.Images())
	}
}

func TestFor_UnknownStrategyIsAnError(t *testing.T) {
	_, err := For(model.Service{Name: "a", Strategy: "shadow"})
	assert.ErrorContains(t, err, `no strategy "shadow"`)
}

func totalWeight(r Route) int {
	sum := 0
	for _, d := range r.Destinations {
		sum += d.Weight
	}
	return sum
}
