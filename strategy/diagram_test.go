package strategy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

func canaryPlan(t *testing.T, weight int, match model.HeaderMatch) Plan {
	t.Helper()
	p, err := For(model.Service{Name: "java-service", Strategy: model.Canary, Replicas: 1, Release: model.Release{Canary: &model.CanarySettings{
		StableImage: "repo/java:1", CanaryImage: "repo/java:2", Weight: weight, Match: match}}})
	require.NoError(t, err)
	return p
}

func TestDiagram_BeforeAndAfterWithEveryShare(t *testing.T) {
	before := canaryPlan(t, 10, model.HeaderMatch{Header: "channel", Exact: "mobile"})
	after := canaryPlan(t, 25, model.HeaderMatch{Header: "channel", Regex: `^(ios|android)$`})
	d := Diagram("java-service", &before, &after)
	for _, line := range []string{
		`  subgraph before["before: java-service"]`,
		`    before_requests -->|"90%"| before_stable`,
		`    before_requests -->|"10%"| before_canary`,
		`    before_requests -->|"channel=mobile"| before_canary`,
		`    after_requests -->|"75%"| after_stable`,
		`    after_requests -->|"25%"| after_canary`,
		// Inside a quoted label a regex's bar is text (Mermaid's own parser,
		// in tests/e2e/mermaid_test.go, draws it).
		`    after_requests -->|"channel~/^(ios|android)$/"| after_canary`,
		`    after_canary["canary<br/>repo/java:2"]`,
	} {
		assert.Contains(t, d, line+"\n")
	}
}

func TestDiagram_ANewServiceIsDrawnOnlyAsPlanned(t *testing.T) {
	after := canaryPlan(t, 10, model.HeaderMatch{Header: "x", Exact: `say "hi"`})
	d := Diagram("java-service", nil, &after)
	assert.NotContains(t, d, "before")
	assert.Contains(t, d, `|"x=say #quot;hi#quot;"|`, "a quote inside a label is its entity")
}
