package gatewayapi

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy"
)

func canary(weight int, mirror float64) (model.Service, strategy.Plan) {
	svc := model.Service{Name: "java-service", Strategy: model.Canary, Port: 80, TargetPort: 8080, Replicas: 2, PathPrefix: "/javaservice", Gateway: true,
		Routes: model.RoutePolicy{TimeoutSeconds: 15},
		Release: model.Release{Canary: &model.CanarySettings{StableImage: "r/j:1", CanaryImage: "r/j:2", Weight: weight,
			Match: model.HeaderMatch{Header: "channel", Prefix: "mob.ile"}}}}
	if mirror > 0 {
		svc.Progressive = &model.Progressive{MirrorPercent: mirror}
	}
	plan, _ := strategy.For(svc)
	return svc, plan
}

func TestMeshRouteSpec_HeaderRuleThenWeightsOnTheTracksServices(t *testing.T) {
	svc, plan := canary(25, 12.5)
	spec := MeshRouteSpec(svc, plan)
	require.Len(t, spec.ParentRefs, 1)
	assert.Equal(t, "java-service", string(spec.ParentRefs[0].Name))
	assert.Equal(t, "Service", string(*spec.ParentRefs[0].Kind))
	require.Len(t, spec.Rules, 2)

	header := spec.Rules[0]
	require.Len(t, header.Matches[0].Headers, 1)
	h := header.Matches[0].Headers[0]
	assert.Equal(t, "RegularExpression", string(*h.Type), "a prefix is a regular expression")
	re := regexp.MustCompile("^(?:" + h.Value + ")$")
	assert.True(t, re.MatchString("mob.ile-x"))
	assert.False(t, re.MatchString("mobXile"), "the prefix's dot is literal")
	require.Len(t, header.BackendRefs, 1)
	assert.Equal(t, "java-service-canary", string(header.BackendRefs[0].Name))

	def := spec.Rules[1]
	weights := map[string]int32{}
	for _, b := range def.BackendRefs {
		weights[string(b.Name)] = *b.Weight
	}
	assert.Equal(t, map[string]int32{"java-service-stable": 75, "java-service-canary": 25}, weights)
	require.Len(t, def.Filters, 1)
	mirror := def.Filters[0].RequestMirror
	assert.Equal(t, "java-service-canary", string(mirror.BackendRef.Name))
	assert.Equal(t, int32(1250), mirror.Fraction.Numerator)
	assert.Equal(t, int32(10000), *mirror.Fraction.Denominator)
	assert.Equal(t, "15s", string(*def.Timeouts.Request))
}

func TestMeshRouteSpec_ZeroSharesAreLeftOut(t *testing.T) {
	svc, plan := canary(0, 0)
	def := MeshRouteSpec(svc, plan).Rules[1]
	require.Len(t, def.BackendRefs, 1)
	assert.Equal(t, "java-service-stable", string(def.BackendRefs[0].Name))
	assert.Empty(t, def.Filters)
}

func TestMeshRouteSpec_OneTrackRoutesToTheServiceItself(t *testing.T) {
	svc := model.Service{Name: "go-service", Strategy: model.Recreate, Port: 80, Replicas: 2, Routes: model.RoutePolicy{TimeoutSeconds: 5},
		Release: model.Release{Image: "r/go:1"}}
	plan, err := strategy.For(svc)
	require.NoError(t, err)
	assert.Empty(t, plan.TrackServices())
	rules := MeshRouteSpec(svc, plan).Rules
	require.Len(t, rules, 1)
	assert.Equal(t, "go-service", string(rules[0].BackendRefs[0].Name))
}

// The README's rule, longest prefix wins and "/" takes only the rest, is a
// string prefix: the expression must take exactly the paths that start with
// the prefix.
func TestPathPrefixMatch_IsAStringPrefix(t *testing.T) {
	for prefix, paths := range map[string]map[string]bool{
		"/java":   {"/java": true, "/javaservice": true, "/java/x": true, "/jav": false, "/x/java": false},
		"/":       {"/": true, "/anything": true},
		"/a.b+c":  {"/a.b+c/d": true, "/aXb+c": false, "/a.bbc": false},
		"/v1/api": {"/v1/api?x=1": true, "/v1/apis": true, "/v2/api": false},
	} {
		m := PathPrefixMatch(prefix)
		assert.Equal(t, "RegularExpression", string(*m.Type))
		re := regexp.MustCompile("^(?:" + *m.Value + ")$")
		for path, want := range paths {
			assert.Equal(t, want, re.MatchString(path), "%s against %s", path, prefix)
		}
	}
}

func TestGatewaySpec_BindsTheHostsOnThePlatformsGateway(t *testing.T) {
	spec := GatewaySpec([]string{"shop.example.com", "*"}, "istio-ingress", "shop", model.TLS{})
	assert.Equal(t, "istio", string(spec.GatewayClassName))
	require.Len(t, spec.Addresses, 1)
	assert.Equal(t, "istio-ingressgateway.istio-ingress.svc.cluster.local", spec.Addresses[0].Value)
	require.Len(t, spec.Listeners, 2)
	assert.Equal(t, "shop.example.com", string(*spec.Listeners[0].Hostname))
	assert.Nil(t, spec.Listeners[1].Hostname, `"*" is every host: no hostname`)
	for _, l := range spec.Listeners {
		req := l.AllowedRoutes.Namespaces.Selector.MatchExpressions
		require.Len(t, req, 1)
		assert.Equal(t, []string{"shop"}, req[0].Values, "routes from the application's namespace alone")
	}
}

func TestGatewaySpec_HTTPSListenersServeTheSecret(t *testing.T) {
	tls := model.TLS{Enabled: true, SecretName: "shop-gateway-tls", RedirectHTTP: true, Source: model.SourceIssuer,
		Issuer: model.Issuer{Kind: model.IssuerACME}}
	spec := GatewaySpec([]string{"shop.example.com"}, "istio-ingress", "shop", tls)
	require.Len(t, spec.Listeners, 2)
	https := spec.Listeners[1]
	assert.Equal(t, "https-0", string(https.Name))
	assert.Equal(t, 443, int(https.Port))
	assert.Equal(t, "shop-gateway-tls", string(https.TLS.CertificateRefs[0].Name))
	assert.Equal(t, []string{"shop", "istio-ingress"}, https.AllowedRoutes.Namespaces.Selector.MatchExpressions[0].Values,
		"the ACME challenge routes live beside their solvers")
	svc, plan := canary(10, 0)
	route := IngressRouteSpec(svc, plan, "istio-ingress", "shop-gateway", []string{"shop.example.com"}, tls)
	require.Len(t, route.ParentRefs, 1)
	assert.Equal(t, "https-0", string(*route.ParentRefs[0].SectionName), "port 80 only redirects: services are on 443")
}

func TestAPI_RegistersCRDsFirstAndEveryBackend(t *testing.T) {
	crdDir := t.TempDir()
	for _, f := range model.GatewayAPICRDFiles {
		require.NoError(t, os.WriteFile(filepath.Join(crdDir, f), []byte("apiVersion: v1\nkind: List\nitems: []\n"), 0o644))
	}
	svc, plan := canary(10, 0)
	mocks, err := mocktest.Run(t, func(ctx *pulumi.Context) error {
		front, err := API{}.Ingress(ctx, &routing.IngressArgs{Namespace: "shop", Hosts: []string{"*"}, GatewayNamespace: "istio-ingress", CRDDir: crdDir})
		if err != nil {
			return err
		}
		backends, err := API{}.Service(ctx, &routing.ServiceArgs{Service: svc, Plan: plan, Namespace: "shop", MutualTLS: true}, pulumi.DependsOn([]pulumi.Resource{front.Resource}))
		if err != nil {
			return err
		}
		return API{}.IngressRoutes(ctx, &routing.IngressRoutesArgs{Services: []routing.IngressRoute{{Service: svc, Plan: plan}},
			Namespace: "shop", GatewayRef: front.Ref, Hosts: []string{"*"}}, pulumi.DependsOn([]pulumi.Resource{backends}))
	}, nil)
	require.NoError(t, err)

	gw := mocks.Get(t, "kubernetes:"+APIVersion+":Gateway", "ingress")
	assert.Equal(t, "istio-ingress", gw.Field("metadata", "namespace"), "beside the gateway's Service, as Istio binds it")
	assert.NotEmpty(t, mocks.OfType("kubernetes:yaml/v2:ConfigGroup"), "the CRDs are installed")
	assert.Contains(t, gw.DependsOn, "urn:pulumi:test::cloudnative::cloudnative:routing:Ingress$kubernetes:yaml/v2:ConfigGroup::gateway-api-crds",
		"the Gateway waits for its CRDs")

	for _, track := range []string{"stable", "canary"} {
		s := mocks.Get(t, "kubernetes:core/v1:Service", "java-service-"+track)
		assert.Equal(t, map[string]any{"app": "java-service", "version": track}, s.Field("spec", "selector"))
		dr := mocks.Get(t, "kubernetes:networking.istio.io/v1:DestinationRule", "java-service-"+track)
		assert.Equal(t, "java-service-"+track+".shop.svc.cluster.local", dr.Field("spec", "host"))
		assert.Equal(t, "ISTIO_MUTUAL", dr.Field("spec", "trafficPolicy", "tls", "mode"))
		assert.Nil(t, dr.Field("spec", "subsets"), "no subsets: the Service is the track")
	}
	ingress := mocks.Get(t, "kubernetes:"+APIVersion+":HTTPRoute", IngressRoutesResource("java-service"))
	assert.Equal(t, "istio-ingress", ingress.Field("spec", "parentRefs", 0, "namespace"))
	assert.Equal(t, "shop-gateway", ingress.Field("spec", "parentRefs", 0, "name"))
	assert.Equal(t, "shop", ingress.Field("metadata", "namespace"))
}
