package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/kubeconfigtest"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/stacks"
)

// cloudTargets maps a cluster kind to the resources that must be protected in
// a production stack, to the credential plugin of its kubeconfig,
// a kubeconfig, and to its cloud package and provider.
var cloudTargets = map[string]struct {
	protected []string
	plugin    string
	pkg       string
	provider  string
	// identity is the annotation binding a ServiceAccount to the cloud's
	// workload identity.
	identity string
}{
	"gke": {[]string{"gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool"}, "gke-gcloud-auth-plugin", "gcp", "gcp", "iam.gke.io/gcp-service-account"},
	"eks": {[]string{"aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup"}, "aws", "aws", "aws", "eks.amazonaws.com/role-arn"},
	"aks": {[]string{"azure-native:resources:ResourceGroup", "azure-native:containerservice:ManagedCluster"}, "kubelogin", "azure-native", "azure", "azure.workload.identity/client-id"},
}

// cloudStacks returns the committed stacks on a cloud target, by kind.
func cloudStacks(t *testing.T) map[string][]string {
	t.Helper()
	byKind := map[string][]string{}
	for _, stack := range committedStacks(t) {
		kind := clusterKind(t, stack)
		if _, cloud := cloudTargets[kind]; cloud {
			byKind[kind] = append(byKind[kind], stack)
		}
	}
	return byKind
}

func TestCloudStacks_EachCloudHasAStack(t *testing.T) {
	byKind := cloudStacks(t)
	for kind := range cloudTargets {
		assert.NotEmpty(t, byKind[kind], "no committed stack runs on %s", kind)
	}
	assert.Equal(t, "gke", clusterKind(t, "dev"), "dev runs on GKE")
}

// TestCloudStacks_ClusterFeedsThePlatform runs each cloud stack as committed: the
// cloud cluster is created, its kubeconfig reaches the one Kubernetes provider
// with an exec plugin, production protects cluster and nodes, and the outputs a
// user needs are exported.
func TestCloudStacks_ClusterFeedsThePlatform(t *testing.T) {
	for kind, names := range cloudStacks(t) {
		target := cloudTargets[kind]
		for _, stack := range names {
			t.Run(stack, func(t *testing.T) {
				cfg := stackConfig(t, repoRoot(t), stack)
				mocks, err := mocktest.Run(t, stacks.Program(machineLocalFiles(t, cfg)), cfg)
				require.NoError(t, err)

				production, _ := cfg["cloudnative:production"].(bool)
				for _, token := range target.protected {
					resources := mocks.OfType(token)
					require.Len(t, resources, 1, token)
					assert.Equal(t, production, resources[0].Protect, "%s protected exactly in production", token)
				}

				// One pinned provider of the cloud, and every cloud resource on it.
				require.Len(t, mocks.OfType("pulumi:providers:"+target.pkg), 1)
				for _, r := range mocks.Resources() {
					if strings.HasPrefix(r.Type, target.pkg+":") {
						assert.Contains(t, r.Provider, "::pulumi:providers:"+target.pkg+"::"+target.provider+"::", "%s %s", r.Type, r.Name)
					}
				}

				providers := mocks.OfType("pulumi:providers:kubernetes")
				require.Len(t, providers, 1)
				kubeconfig := providers[0].Inputs["kubeconfig"]
				require.True(t, kubeconfig.IsSecret())
				rest := kubeconfigtest.RESTConfig(t, kubeconfig.SecretValue().Element.StringValue())
				require.NotNil(t, rest.ExecProvider)
				assert.Equal(t, target.plugin, rest.ExecProvider.Command)
				assert.Contains(t, providers[0].Inputs["clusterIdentifier"].StringValue(), kind+"/")

				// Each service runs as its own ServiceAccount; the one the stack
				// binds to a cloud identity carries the cloud's annotation.
				accounts := mocks.OfType("kubernetes:core/v1:ServiceAccount")
				services, _ := cfg["cloudnative:services"].([]any)
				require.Len(t, accounts, len(services), "one ServiceAccount per service")
				bound := 0
				for _, sa := range accounts {
					if sa.Field("metadata", "annotations", target.identity) != nil {
						bound++
					}
				}
				assert.Equal(t, 1, bound, "java-service's identity is bound with %s", target.identity)
			})
		}
	}
}

// TestCloudStacks_BadClusterConfigFailsBeforeAnyResource breaks each cloud stack's
// cluster block the ways the issue names and checks that nothing is registered.
func TestCloudStacks_BadClusterConfigFailsBeforeAnyResource(t *testing.T) {
	cases := []struct {
		stack, kind string
		edit        func(block map[string]any)
		want        string
	}{
		{"dev", "gke", func(b map[string]any) { b["location"] = "europe west" }, "cluster.gke.location"},
		{"dev", "gke", func(b map[string]any) { delete(b, "project") }, "cluster.gke.project: is required"},
		{"staging", "eks", func(b map[string]any) {
			b["nodeGroup"].(map[string]any)["minNodes"] = 7
		}, "cluster.eks.nodeGroup.maxNodes: must be at least minNodes (7), got 6"},
		{"staging", "eks", func(b map[string]any) { b["kubernetesVersion"] = "v1.33" }, "cluster.eks.kubernetesVersion"},
		{"prod", "aks", func(b map[string]any) { delete(b, "subscriptionId") }, "cluster.aks.subscriptionId: is required"},
		{"prod", "aks", func(b map[string]any) { b["location"] = "West Europe" }, "cluster.aks.location"},
	}
	for _, tc := range cases {
		t.Run(tc.stack+" "+tc.want, func(t *testing.T) {
			cfg := stackConfig(t, repoRoot(t), tc.stack)
			cluster := cfg["cloudnative:cluster"].(map[string]any)
			require.Equal(t, tc.kind, cluster["kind"], "the committed stack runs on %s", tc.kind)
			tc.edit(cluster[tc.kind].(map[string]any))
			mocks, err := mocktest.Run(t, stacks.Program(machineLocalFiles(t, cfg)), cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, mocks.Resources(), "nothing is registered")
		})
	}
}
