package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZeroTrust_CallersAndEgressAreDecoded(t *testing.T) {
	f := validFixture()
	f.app["egress"] = []map[string]any{{"host": "api.example.com"}, {"host": "*.storage.example.com", "port": 8443, "protocol": "HTTPS"}}
	f.services[1]["gateway"] = false
	f.services[1]["callers"] = []map[string]any{
		{"service": "java-service", "methods": []string{"GET"}, "paths": []string{"/api/"}},
		{"namespace": "monitoring", "serviceAccount": "prober"},
	}
	p, err := Decode(f.raw(t), projectDir(t))
	require.NoError(t, err)

	assert.True(t, p.App.Authorization(), "the default mTLS mode is STRICT")
	assert.Equal(t, DefaultTrustDomain, p.App.TrustDomain)
	assert.Equal(t, []ExternalHost{{Host: "api.example.com", Port: 443, Protocol: "TLS"}, {Host: "*.storage.example.com", Port: 8443, Protocol: "HTTPS"}}, p.App.Egress)
	goService := p.Services[1]
	assert.False(t, goService.Gateway)
	assert.True(t, p.Services[0].Gateway, "a service is routed through the gateway by default")
	assert.Equal(t, []Caller{
		{Service: "java-service", Methods: []string{"GET"}, PathPrefixes: []string{"/api/"}},
		{Namespace: "monitoring", ServiceAccount: "prober"},
	}, goService.Callers)
	callees := p.Callees("java-service")
	require.Len(t, callees, 1)
	assert.Equal(t, "go-service", callees[0].Name)
	assert.Empty(t, p.Callees("go-service"))
}

func TestZeroTrust_BadConfigIsNamed(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(f fixture)
		wants []string
	}{
		{"a caller that is not a service of the stack", func(f fixture) {
			f.services[1]["callers"] = []map[string]any{{"service": "payments"}}
		}, []string{`services[1](go-service).callers[0].service: "payments" is not a service of this stack`}},
		{"callers without STRICT mTLS", func(f fixture) {
			f.app["mtls"] = "PERMISSIVE"
			f.services[1]["callers"] = []map[string]any{{"service": "java-service"}}
		}, []string{"services[1](go-service).callers: needs Istio's mTLS", "cloudnative:app.mtls is \"PERMISSIVE\""}},
		{"a caller both here and elsewhere", func(f fixture) {
			f.services[1]["callers"] = []map[string]any{{"service": "java-service", "namespace": "x", "serviceAccount": "y"}}
		}, []string{"callers[0]: set either service"}},
		{"a caller elsewhere without its service account", func(f fixture) {
			f.services[1]["callers"] = []map[string]any{{"namespace": "monitoring"}}
		}, []string{"callers[0]: name a service of this stack"}},
		{"an unknown method", func(f fixture) {
			f.services[1]["callers"] = []map[string]any{{"service": "java-service", "methods": []string{"FETCH"}}}
		}, []string{`callers[0].methods[0]: "FETCH" is not one of GET`}},
		{"a path with a wildcard", func(f fixture) {
			f.services[1]["callers"] = []map[string]any{{"service": "java-service", "paths": []string{"/api/*"}}}
		}, []string{`callers[0].paths[0]: "/api/*" is not a path prefix`}},
		{"a path prefix on a service kept off the gateway", func(f fixture) {
			f.services[1]["gateway"] = false
			f.services[1]["pathPrefix"] = "/go"
		}, []string{"services[1](go-service).pathPrefix: routes through the ingress gateway, but gateway is false"}},
		{"an address as an external host", func(f fixture) {
			f.app["egress"] = []map[string]any{{"host": "203.0.113.7"}}
		}, []string{`app.egress[0].host: "203.0.113.7" is not a fully qualified host name`}},
		{"a bare wildcard as an external host", func(f fixture) {
			f.app["egress"] = []map[string]any{{"host": "*"}}
		}, []string{`app.egress[0].host: "*" is not a fully qualified host name`}},
		{"an unknown external protocol", func(f fixture) {
			f.app["egress"] = []map[string]any{{"host": "api.example.com", "protocol": "UDP"}}
		}, []string{"app.egress[0].protocol: must be one of TLS, HTTPS, HTTP, TCP"}},
		{"a wildcard host over plain TCP", func(f fixture) {
			f.app["egress"] = []map[string]any{{"host": "*.db.example.com", "port": 5432, "protocol": "TCP"}}
		}, []string{"app.egress[0].protocol: TCP carries no host name, so a wildcard host (*.db.example.com) cannot be told apart"}},
		{"an external host twice", func(f fixture) {
			f.app["egress"] = []map[string]any{{"host": "api.example.com"}, {"host": "api.example.com", "port": 443}}
		}, []string{"app.egress[1]: api.example.com:443 is already declared (egress[0])"}},
		{"a bad trust domain", func(f fixture) { f.app["trustDomain"] = "Cluster Local" }, []string{"app.trustDomain"}},
		{"a malformed Google service account", func(f fixture) {
			f.services[0]["identity"] = map[string]any{"gcpServiceAccount": "java@shop-project.gserviceaccount.com"}
		}, []string{"identity.gcpServiceAccount: \"java@shop-project.gserviceaccount.com\" is not a Google service account's email"}},
		{"a malformed role ARN", func(f fixture) {
			f.services[0]["identity"] = map[string]any{"awsRoleArn": "arn:aws:iam::12345:role/java"}
		}, []string{"identity.awsRoleArn: \"arn:aws:iam::12345:role/java\" is not an IAM role's ARN"}},
		{"a malformed client ID", func(f fixture) {
			f.services[0]["identity"] = map[string]any{"azureClientId": "java-identity"}
		}, []string{"identity.azureClientId: \"java-identity\" is not a client ID"}},
		{"two identities", func(f fixture) {
			f.services[0]["identity"] = map[string]any{"azureClientId": "0b5b2a55-3c2e-4a3c-9a55-1f3e6c1d2b3a", "awsRoleArn": "arn:aws:iam::123456789012:role/java"}
		}, []string{"identity: set exactly one of gcpServiceAccount, awsRoleArn or azureClientId (2 set)"}},
		{"an identity of another cloud", func(f fixture) {
			f.services[0]["identity"] = map[string]any{"awsRoleArn": "arn:aws:iam::123456789012:role/java"}
		}, []string{`identity.awsRoleArn: binds a eks identity, but cluster.kind is "existing"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := validFixture()
			tc.edit(f)
			err := decodeRefused(t, f.raw(t), projectDir(t))
			for _, want := range tc.wants {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestZeroTrust_CloudIdentityOfTheStacksCloud(t *testing.T) {
	cases := []struct {
		kind     string
		block    map[string]any
		identity map[string]any
		check    func(t *testing.T, id *CloudIdentity)
	}{
		{"gke", map[string]any{"project": "shop-project", "location": "europe-west1-b"},
			map[string]any{"gcpServiceAccount": "java-service@shop-project.iam.gserviceaccount.com"},
			func(t *testing.T, id *CloudIdentity) {
				assert.Equal(t, "java-service@shop-project.iam.gserviceaccount.com", id.GCPServiceAccount)
			}},
		{"eks", map[string]any{"region": "us-east-1"},
			map[string]any{"awsRoleArn": "arn:aws:iam::123456789012:role/shop/java-service"},
			func(t *testing.T, id *CloudIdentity) {
				assert.Equal(t, "arn:aws:iam::123456789012:role/shop/java-service", id.AWSRoleARN)
			}},
		{"aks", map[string]any{"subscriptionId": "00000000-0000-0000-0000-000000000001", "location": "westeurope", "serviceCidr": "10.50.0.0/16"},
			map[string]any{"azureClientId": "0b5b2a55-3c2e-4a3c-9a55-1f3e6c1d2b3a"},
			func(t *testing.T, id *CloudIdentity) {
				assert.Equal(t, "0b5b2a55-3c2e-4a3c-9a55-1f3e6c1d2b3a", id.AzureClientID)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			f := cloudFixture(tc.kind, tc.block)
			f.services[0]["identity"] = tc.identity
			p, err := decodeCloud(t, f, "dev")
			require.NoError(t, err)
			require.NotNil(t, p.Services[0].Identity)
			tc.check(t, p.Services[0].Identity)
		})
	}
}
