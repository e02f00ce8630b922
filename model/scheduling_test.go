package model

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withScheduling(t *testing.T, scheduling map[string]any) Raw {
	t.Helper()
	raw := validFixture().raw(t)
	data, err := json.Marshal(scheduling)
	require.NoError(t, err)
	raw.Scheduling = data
	return raw
}

func TestDecode_SchedulingPlacesWorkloadsAndPlatformApart(t *testing.T) {
	raw := withScheduling(t, map[string]any{
		"workloads": map[string]any{
			"nodeSelector": map[string]any{"node.example.com/pool": "apps"},
			"tolerations": []any{
				map[string]any{"key": "node.example.com/pool", "operator": "Equal", "value": "apps", "effect": "NoSchedule"},
				map[string]any{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
			},
		},
		"platform": map[string]any{"nodeSelector": map[string]any{"pool": "system"}},
	})
	platform, err := Decode(raw, projectDir(t))
	require.NoError(t, err)
	thirty := 30
	assert.Equal(t, Scheduling{
		Workloads: Placement{
			NodeSelector: map[string]string{"node.example.com/pool": "apps"},
			Tolerations: []Toleration{
				{Key: "node.example.com/pool", Operator: "Equal", Value: "apps", Effect: "NoSchedule"},
				{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: "NoExecute", Seconds: &thirty},
			},
		},
		Platform: Placement{NodeSelector: map[string]string{"pool": "system"}},
	}, platform.Scheduling)
}

func TestDecode_SchedulingLeftOutLeavesItToTheCluster(t *testing.T) {
	platform, err := Decode(validFixture().raw(t), projectDir(t))
	require.NoError(t, err)
	assert.True(t, platform.Scheduling.Workloads.Empty())
	assert.True(t, platform.Scheduling.Platform.Empty())
}

func TestDecode_SchedulingRefusesWhatKubernetesWould(t *testing.T) {
	cases := map[string]struct {
		scheduling map[string]any
		key, words string
	}{
		"selector key": {map[string]any{"workloads": map[string]any{"nodeSelector": map[string]any{"bad key!": "x"}}},
			`cloudnative:scheduling.workloads.nodeSelector["bad key!"]`, "not a valid label key"},
		"selector prefix": {map[string]any{"platform": map[string]any{"nodeSelector": map[string]any{"Bad_Prefix/pool": "x"}}},
			`cloudnative:scheduling.platform.nodeSelector["Bad_Prefix/pool"]`, "prefix that is not a DNS subdomain"},
		"selector value": {map[string]any{"workloads": map[string]any{"nodeSelector": map[string]any{"pool": "-apps"}}},
			`cloudnative:scheduling.workloads.nodeSelector["pool"]`, "not a valid label value"},
		"operator": {map[string]any{"workloads": map[string]any{"tolerations": []any{map[string]any{"key": "k", "operator": "In"}}}},
			"cloudnative:scheduling.workloads.tolerations[0].operator", "must be Equal or Exists"},
		"exists with value": {map[string]any{"workloads": map[string]any{"tolerations": []any{map[string]any{"key": "k", "operator": "Exists", "value": "v"}}}},
			"cloudnative:scheduling.workloads.tolerations[0].value", "must be empty"},
		"equal without key": {map[string]any{"platform": map[string]any{"tolerations": []any{map[string]any{"value": "v"}}}},
			"cloudnative:scheduling.platform.tolerations[0].key", "is required"},
		"effect": {map[string]any{"workloads": map[string]any{"tolerations": []any{map[string]any{"key": "k", "effect": "NoRun"}}}},
			"cloudnative:scheduling.workloads.tolerations[0].effect", "must be NoSchedule"},
		"seconds without NoExecute": {map[string]any{"workloads": map[string]any{"tolerations": []any{map[string]any{"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}}}},
			"cloudnative:scheduling.workloads.tolerations[0].tolerationSeconds", "only to the NoExecute"},
		"unknown field": {map[string]any{"workload": map[string]any{}},
			"cloudnative:scheduling.workload", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := decodeRefused(t, withScheduling(t, c.scheduling), projectDir(t))
			assert.Contains(t, err.Error(), c.key)
			assert.Contains(t, err.Error(), c.words)
		})
	}
}
