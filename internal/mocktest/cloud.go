package mocktest

import (
	"encoding/base64"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// What the mocked clouds answer. Each fake is keyed by the type or invoke token
// the real provider would serve, and carries only what the program reads back.
const (
	FakeCAData       = "ZmFrZS1jbHVzdGVyLWNh" // base64 of "fake-cluster-ca"
	FakeGKEEndpoint  = "34.120.0.10"
	FakeEKSEndpoint  = "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
	FakeEKSIssuer    = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"
	FakeAKSFQDN      = "cloudnative-abc123.hcp.westeurope.azmk8s.io"
	FakeAKSIssuer    = "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/"
	FakeAWSAccountID = "123456789012"
)

// FakeAKSKubeconfig is the user credential the mocked AKS returns, decoded.
const FakeAKSKubeconfig = `apiVersion: v1
kind: Config
current-context: aks
clusters:
- name: aks
  cluster:
    server: https://` + FakeAKSFQDN + `:443
    certificate-authority-data: ` + FakeCAData + `
contexts:
- name: aks
  context:
    cluster: aks
    user: clusterUser
users:
- name: clusterUser
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, azurecli, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]
`

// FakeZoneLetters are the availability zones the mocked AWS reports in the
// provider's region (eu-west-1a, eu-west-1b, …).
var FakeZoneLetters = []string{"a", "b", "c"}

// cloudOutputs add what a cloud computes to a resource's echoed inputs.
var cloudOutputs = map[string]func(name string, inputs resource.PropertyMap) map[string]any{
	"gcp:container/cluster:Cluster": func(string, resource.PropertyMap) map[string]any {
		return map[string]any{"endpoint": FakeGKEEndpoint, "masterAuth": map[string]any{"clusterCaCertificate": FakeCAData}}
	},
	"gcp:serviceaccount/account:Account": func(_ string, in resource.PropertyMap) map[string]any {
		return map[string]any{"email": in["accountId"].StringValue() + "@project.iam.gserviceaccount.com"}
	},
	"aws:eks/cluster:Cluster": func(_ string, in resource.PropertyMap) map[string]any {
		return map[string]any{
			"arn":                  "arn:aws:eks:eu-west-1:" + FakeAWSAccountID + ":cluster/" + in["name"].StringValue(),
			"endpoint":             FakeEKSEndpoint,
			"certificateAuthority": map[string]any{"data": FakeCAData},
			"identities":           []any{map[string]any{"oidcs": []any{map[string]any{"issuer": FakeEKSIssuer}}}},
		}
	},
	"aws:iam/role:Role": fakeARN("iam", "role"),
	"aws:kms/key:Key":   fakeARN("kms", "key"),
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": fakeARN("iam", "oidc-provider"),
	"azure-native:resources:ResourceGroup": func(_ string, in resource.PropertyMap) map[string]any {
		return map[string]any{"name": in["resourceGroupName"].StringValue()}
	},
	"azure-native:containerservice:ManagedCluster": func(_ string, in resource.PropertyMap) map[string]any {
		return map[string]any{
			"name":              in["resourceName"].StringValue(),
			"fqdn":              FakeAKSFQDN,
			"oidcIssuerProfile": map[string]any{"enabled": true, "issuerURL": FakeAKSIssuer},
		}
	},
}

// providerRegion is the region an aws provider was configured with; an
// unconfigured (default) provider answers with the AWS CLI's usual default.
func providerRegion(provider resource.PropertyMap) string {
	if region, ok := provider["region"]; ok && region.IsString() {
		return region.StringValue()
	}
	return "us-east-1"
}

func fakeARN(service, kind string) func(string, resource.PropertyMap) map[string]any {
	return func(name string, _ resource.PropertyMap) map[string]any {
		return map[string]any{"arn": "arn:aws:" + service + "::" + FakeAWSAccountID + ":" + kind + "/" + name}
	}
}

// CloudInvokes answer the invokes the cloud targets make, by token, from the
// invoke's arguments and the inputs of the provider it went to.
var CloudInvokes = map[string]func(args, provider resource.PropertyMap) map[string]any{
	"aws:index/getRegion:getRegion": func(_, provider resource.PropertyMap) map[string]any {
		region := providerRegion(provider)
		return map[string]any{"name": region, "id": region}
	},
	"aws:index/getPartition:getPartition": func(_, _ resource.PropertyMap) map[string]any {
		return map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
	},
	"aws:index/getAvailabilityZones:getAvailabilityZones": func(_, provider resource.PropertyMap) map[string]any {
		region := providerRegion(provider)
		names := make([]any, len(FakeZoneLetters))
		for i, letter := range FakeZoneLetters {
			names[i] = region + letter
		}
		return map[string]any{"names": names, "id": region}
	},
	"azure-native:containerservice:listManagedClusterUserCredentials": func(_, _ resource.PropertyMap) map[string]any {
		return map[string]any{"kubeconfigs": []any{map[string]any{
			"name":  "clusterUser",
			"value": base64.StdEncoding.EncodeToString([]byte(FakeAKSKubeconfig)),
		}}}
	},
}
