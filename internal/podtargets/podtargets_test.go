package podtargets

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pod list as kubectl prints it (the fields read, and a few beside them).
const pods = `{"kind":"List","items":[
 {"metadata":{"name":"java-service-canary-7d9f-x2","namespace":"shop","labels":{"app":"java-service","pod-template-hash":"7d9f"},
   "ownerReferences":[{"kind":"ReplicaSet","name":"java-service-canary-7d9f"}]},
  "spec":{"containers":[{"name":"java-service","ports":[{"name":"http","containerPort":8080}]}]},
  "status":{"phase":"Running","podIP":"198.18.128.7"}},
 {"metadata":{"name":"java-service-5c4b-aa","namespace":"shop","labels":{"app":"java-service","pod-template-hash":"5c4b"},
   "ownerReferences":[{"kind":"ReplicaSet","name":"java-service-5c4b"}]},
  "spec":{"containers":[{"name":"java-service","ports":[{"name":"http","containerPort":8080}]}]},
  "status":{"phase":"Running","podIP":"198.18.128.5"}},
 {"metadata":{"name":"java-service-5c4b-pending","namespace":"shop","labels":{"pod-template-hash":"5c4b"},
   "ownerReferences":[{"kind":"ReplicaSet","name":"java-service-5c4b"}]},
  "spec":{"containers":[{"ports":[{"name":"http","containerPort":8080}]}]},
  "status":{"phase":"Pending"}},
 {"metadata":{"name":"job-x","namespace":"shop","ownerReferences":[{"kind":"Job","name":"job"}]},
  "spec":{"containers":[{"ports":[{"name":"http","containerPort":8080}]}]},
  "status":{"phase":"Running","podIP":"198.18.128.9"}},
 {"metadata":{"name":"no-port-1-a","namespace":"shop","labels":{"pod-template-hash":"1"},"ownerReferences":[{"kind":"ReplicaSet","name":"no-port-1"}]},
  "spec":{"containers":[{"ports":[{"name":"metrics","containerPort":9090}]}]},
  "status":{"phase":"Running","podIP":"198.18.128.10"}}
]}`

func TestFromPodList_RunningDeploymentPodsWithTheirWorkload(t *testing.T) {
	groups, err := FromPodList([]byte(pods))
	require.NoError(t, err)
	assert.Equal(t, []Group{
		{Targets: []string{"198.18.128.5:8080"}, Labels: map[string]string{"namespace": "shop", "pod": "java-service-5c4b-aa", "workload": "java-service"}},
		{Targets: []string{"198.18.128.7:8080"}, Labels: map[string]string{"namespace": "shop", "pod": "java-service-canary-7d9f-x2", "workload": "java-service-canary"}},
	}, groups)
}

func TestWrite_IsWholeFileSD(t *testing.T) {
	path := filepath.Join(t.TempDir(), "targets.json")
	require.NoError(t, Write(path, nil))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, `[]`, string(data), "no pods: an empty list, not null")
	require.NoError(t, Write(path, []Group{{Targets: []string{"198.18.128.5:8080"}, Labels: map[string]string{"pod": "p"}}}))
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	var back []Group
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Len(t, back, 1)
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left")
}
