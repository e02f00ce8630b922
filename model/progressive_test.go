package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withService decodes the valid fixture with extra keys on one of its services
// (0 canary, 1 ramped, 2 blue/green).
func withService(t *testing.T, i int, extra map[string]any) (*Platform, error) {
	t.Helper()
	f := validFixture()
	for k, v := range extra {
		f.services[i][k] = v
	}
	return Decode(f.raw(t), projectDir(t))
}

func TestProgressive_CanaryDefaults(t *testing.T) {
	p, err := withService(t, 0, map[string]any{"progressive": map[string]any{}})
	require.NoError(t, err)
	g := p.Services[0].Progressive
	require.NotNil(t, g)
	assert.Equal(t, DefaultSteps, g.Steps)
	assert.Equal(t, DefaultMirrorPercent, g.MirrorPercent)
	assert.Equal(t, Analysis{IntervalSeconds: DefaultAnalysisIntervalSeconds, MinSuccessRate: DefaultMinSuccessRate,
		MaxP99Ms: DefaultMaxP99Ms, MinRequests: DefaultMinRequests, FailureLimit: DefaultFailureLimit,
		DeadlineSeconds: DefaultAnalysisDeadlineSeconds}, g.Analysis)
	assert.Nil(t, p.Services[1].Progressive, "unset stays unset")
}

func TestProgressive_EitherMarginJudgesAgainstTheStable(t *testing.T) {
	p, err := withService(t, 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"maxP99Ratio": 2}}})
	require.NoError(t, err)
	assert.Equal(t, &AgainstStable{MaxErrorRateIncrease: DefaultMaxErrorRateIncrease, MaxP99Ratio: 2}, p.Services[0].Progressive.Analysis.AgainstStable)
	p, err = withService(t, 2, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"maxErrorRateIncrease": 0.5}}})
	require.NoError(t, err)
	assert.Equal(t, &AgainstStable{MaxErrorRateIncrease: 0.5, MaxP99Ratio: DefaultMaxP99Ratio}, p.Services[2].Progressive.Analysis.AgainstStable, "a blue/green pair too")
	p, err = withService(t, 0, map[string]any{"progressive": map[string]any{}})
	require.NoError(t, err)
	assert.Nil(t, p.Services[0].Progressive.Analysis.AgainstStable, "off unless asked")
}

func TestProgressive_SetValuesAreKept(t *testing.T) {
	p, err := withService(t, 0, map[string]any{
		"progressive": map[string]any{"steps": []int{5, 50}, "mirrorPercent": 20,
			"analysis": map[string]any{"intervalSeconds": 30, "minSuccessRate": 99.5, "maxP99Ms": 250, "minRequests": 200, "failureLimit": 0, "deadlineSeconds": 600}},
		"sessionAffinity": map[string]any{"cookie": "user", "cookieTTLSeconds": 3600},
	})
	require.NoError(t, err)
	s := p.Services[0]
	assert.Equal(t, []int{5, 50}, s.Progressive.Steps)
	assert.Equal(t, 20.0, s.Progressive.MirrorPercent)
	assert.Equal(t, Analysis{IntervalSeconds: 30, MinSuccessRate: 99.5, MaxP99Ms: 250, MinRequests: 200, FailureLimit: 0, DeadlineSeconds: 600}, s.Progressive.Analysis)
	assert.Equal(t, &SessionAffinity{Cookie: "user", CookieTTLSeconds: 3600}, s.SessionAffinity)
}

func TestProgressive_BlueGreenGetsOnlyTheAnalysis(t *testing.T) {
	p, err := withService(t, 2, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"minRequests": 50}}})
	require.NoError(t, err)
	g := p.Services[2].Progressive
	assert.Empty(t, g.Steps)
	assert.Equal(t, 50, g.Analysis.MinRequests)
}

func TestProgressive_BadConfigIsNamed(t *testing.T) {
	cases := []struct {
		name    string
		service int
		extra   map[string]any
		want    string
	}{
		{"steps going down", 0, map[string]any{"progressive": map[string]any{"steps": []int{25, 10}}}, "progressive.steps: must go up, got 10 after 25"},
		{"a step of 100", 0, map[string]any{"progressive": map[string]any{"steps": []int{50, 100}}}, "between 1 and 99"},
		{"no steps", 0, map[string]any{"progressive": map[string]any{"steps": []int{}}}, "needs at least one weight"},
		{"mirror over 100", 0, map[string]any{"progressive": map[string]any{"mirrorPercent": 150}}, "mirrorPercent: is a percentage"},
		{"on a ramped service", 1, map[string]any{"progressive": map[string]any{}}, "progressive: needs a canary or blueGreen strategy"},
		{"steps on blue/green", 2, map[string]any{"progressive": map[string]any{"steps": []int{10}}}, "steps are for canaries"},
		{"mirror on blue/green", 2, map[string]any{"progressive": map[string]any{"mirrorPercent": 5}}, "mirrorPercent: is for canaries"},
		{"zero requests", 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"minRequests": 0}}}, "an interval without traffic proves nothing"},
		{"short interval", 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"intervalSeconds": 5}}}, "intervalSeconds: must be at least 10"},
		{"success rate over 100", 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"minSuccessRate": 101}}}, "minSuccessRate"},
		{"negative failure limit", 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"failureLimit": -1}}}, "failureLimit"},
		{"deadline shorter than the steps", 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"deadlineSeconds": 100}}}, "no time for one interval per step (180 s)"},
		{"unknown key", 0, map[string]any{"progressive": map[string]any{"stepz": []int{10}}}, "stepz"},
		{"affinity on nothing", 0, map[string]any{"sessionAffinity": map[string]any{}}, "needs a cookie or a header"},
		{"affinity on both", 0, map[string]any{"sessionAffinity": map[string]any{"cookie": "a", "header": "b"}}, "not both"},
		{"bad cookie name", 0, map[string]any{"sessionAffinity": map[string]any{"cookie": "a b"}}, "not a valid cookie name"},
		{"a negative error-rate margin", 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"maxErrorRateIncrease": -1}}}, "maxErrorRateIncrease: is percentage points"},
		{"a p99 ratio below 1", 0, map[string]any{"progressive": map[string]any{"analysis": map[string]any{"maxP99Ratio": 0.8}}}, "maxP99Ratio: is a multiple of the stable's p99, at least 1"},
		{"a gate on no step", 0, map[string]any{"progressive": map[string]any{"approveBefore": []int{30}}}, "approveBefore[0]: 30 is none of the steps [10 25 50], nor 100 (the promotion)"},
		{"a gate on blue/green", 2, map[string]any{"progressive": map[string]any{"approveBefore": []int{100}}}, "gates are for a canary's steps"},
		{"ttl for a header", 0, map[string]any{"sessionAffinity": map[string]any{"header": "x-user", "cookieTTLSeconds": 5}}, "cookieTTLSeconds: is for a cookie"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := validFixture()
			for k, v := range tc.extra {
				f.services[tc.service][k] = v
			}
			err := decodeRefused(t, f.raw(t), projectDir(t))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRolloutQueries_DefaultsAndTemplates(t *testing.T) {
	decode := func(observability map[string]any) (*Platform, error) {
		f := validFixture()
		f.observability = observability
		return Decode(f.raw(t), projectDir(t))
	}
	p, err := decode(map[string]any{"enabled": false, "prometheusUrl": "http://prometheus.istio-system:9090/"})
	require.NoError(t, err)
	assert.Equal(t, DefaultRolloutQueries(), p.Observability.RolloutQueries)
	assert.Equal(t, "http://prometheus.istio-system:9090", p.Observability.PrometheusURL)

	custom := `sum(increase(requests_total{app="{{.Workload}}",ns="{{.Namespace}}"}[{{.Window}}]))`
	p, err = decode(map[string]any{"enabled": false, "rolloutQueries": map[string]any{"requests": custom}})
	require.NoError(t, err)
	assert.Equal(t, custom, p.Observability.RolloutQueries.Requests)
	assert.Equal(t, DefaultErrorsQuery, p.Observability.RolloutQueries.Errors, "the others keep their defaults")
	rendered, err := QueryTarget{Namespace: "shop", Workload: "api-canary", Window: "60s"}.Render(custom)
	require.NoError(t, err)
	assert.Equal(t, `sum(increase(requests_total{app="api-canary",ns="shop"}[60s]))`, rendered)

	_, err = decode(map[string]any{"enabled": false, "prometheusUrl": "prometheus:9090",
		"rolloutQueries": map[string]any{"p99": `histogram_quantile(0.99, x{pod="{{.Pod}}"})`, "errors": `{{.Workload`}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloudnative:observability.prometheusUrl: must be an http or https URL")
	assert.Contains(t, err.Error(), "cloudnative:observability.rolloutQueries.p99: is not a query template")
	assert.Contains(t, err.Error(), "cloudnative:observability.rolloutQueries.errors: is not a query template")
}
