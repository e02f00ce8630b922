//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/meshmetrics"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// TestGatewayAPI routes the local stack with the Gateway API on the local API
// server: the program installs the API's CRDs, the API server's own schema
// and CEL rules admit every object, a canary walks platform rollout's steps
// with each weight read back from the live HTTPRoute, and a refreshing
// preview afterwards proposes nothing.
func TestGatewayAPI(t *testing.T) {
	p := newProject(t)
	route := names.MeshHTTPRoute("java-service")
	mesh, target := p.startMeshMetricsOf(t, "java-service", 50, func(context.Context) (int, error) {
		out, err := p.kubectl("get", "httproute.gateway.networking.k8s.io", route, "-n", appNS, "-o", "json")
		if err != nil {
			return 0, nil // not there yet: no weight
		}
		var r map[string]any
		err = json.Unmarshal([]byte(out), &r)
		return meshmetrics.HTTPRouteCanaryWeight(r, "java-service"), err
	})
	prometheus := startPrometheus(t, target)
	e := p.env("e2e-gateway-api", func(config map[string]any) {
		routed := stackfile.WithRoutingAPI(mocktest.Config(config), model.RoutingGatewayAPI)
		for k := range config {
			delete(config, k)
		}
		for k, v := range routed {
			config[k] = v
		}
		config["cloudnative:routing"].(map[string]any)["crdDir"] = filepath.Join(p.charts, "gateway-api")
		onSimulatedNode(config)
		config["cloudnative:observability"] = map[string]any{"enabled": false, "prometheusUrl": prometheus}
		var kept []any
		for _, s := range config["cloudnative:services"].([]any) {
			svc := s.(map[string]any)
			switch svc["name"] {
			case "java-service":
				progressiveCanary(svc, 12.5)
			case "go-service":
				svc["replicas"] = 1
				delete(svc, "ramped")
			default:
				continue
			}
			delete(svc, "callers")
			kept = append(kept, svc)
		}
		config["cloudnative:services"] = kept
	})
	t.Cleanup(func() { _, _ = e.stack.Destroy(context.Background()) })
	e.up()

	t.Run("TheProgramInstallsTheCRDsAndTheAPIServerAdmitsEveryObject", func(t *testing.T) {
		for _, crd := range []string{"gateways", "httproutes", "gatewayclasses", "referencegrants"} {
			p.get("customresourcedefinition", crd+".gateway.networking.k8s.io")
		}
		gw := p.get("gateway.gateway.networking.k8s.io", names.Gateway(appNS), "-n", "istio-ingress")
		assert.Equal(t, "istio", dig(gw, "spec", "gatewayClassName"))
		assert.Equal(t, "istio-ingressgateway.istio-ingress.svc.cluster.local", dig(gw, "spec", "addresses", 0, "value"))
		mesh := p.get("httproute.gateway.networking.k8s.io", route, "-n", appNS)
		assert.Equal(t, "Service", dig(mesh, "spec", "parentRefs", 0, "kind"))
		assert.Equal(t, "java-service", dig(mesh, "spec", "parentRefs", 0, "name"))
		header := dig(mesh, "spec", "rules", 0, "matches", 0, "headers", 0)
		assert.Equal(t, "channel", dig(header, "name"))
		assert.Equal(t, "java-service-canary", dig(mesh, "spec", "rules", 0, "backendRefs", 0, "name"), "the header rule sends to the canary's Service")
		mirror := dig(mesh, "spec", "rules", 1, "filters", 0, "requestMirror")
		assert.Equal(t, "java-service-canary", dig(mirror, "backendRef", "name"))
		assert.Equal(t, float64(1250), dig(mirror, "fraction", "numerator"), "12.5% in ten-thousandths")
		ingress := p.get("httproute.gateway.networking.k8s.io", names.IngressHTTPRoute("java-service"), "-n", appNS)
		assert.Equal(t, "RegularExpression", dig(ingress, "spec", "rules", 0, "matches", 0, "path", "type"))
		// The track Services select their own track's pods only.
		for _, track := range []string{"stable", "canary"} {
			svc := p.get("service", "java-service-"+track, "-n", appNS)
			assert.Equal(t, track, dig(svc, "spec", "selector", "version"))
		}
		_, err := e.stack.Preview(context.Background(), true)
		require.NoError(t, err, "a preview right after up proposes nothing")
	})

	t.Run("ACanaryWalksTheRolloutStepsOnTheHTTPRoute", func(t *testing.T) {
		platform := buildPlatform(t)
		mesh.SeenWeights()
		out, err := p.rollout(platform, e.name)
		require.NoError(t, err, "%s", out)
		assert.Equal(t, []int{0, 10, 25, 50, 0}, mesh.SeenWeights(), "each weight in the live HTTPRoute, in order, then none")
		p.assertRolloutEnded(t, e, "docker.io/cloudnative/java-service:2.0.0")
		e.reload()
		_, err = e.stack.Preview(context.Background(), true)
		require.NoError(t, err, "a preview after the rollout proposes nothing")
		t.Logf("rollout:\n%s", out)
	})

	t.Run("SwitchingToIstiosAPINeverLeavesAServiceWithoutARoute", func(t *testing.T) {
		rule := p.get("destinationrule.networking.istio.io", "java-service", "-n", appNS)
		delete(e.config, "cloudnative:routing")
		e.writeConfig()
		gaps := watchRoutes(t, p, []string{"java-service", "go-service"}, func() {
			_, err := e.stack.Up(context.Background())
			require.NoError(t, err)
		})
		assert.Empty(t, gaps, "a moment with neither a VirtualService nor an HTTPRoute for a service")
		for _, svc := range []string{"java-service", "go-service"} {
			p.get("virtualservice.networking.istio.io", names.MeshVirtualService(svc), "-n", appNS)
		}
		out, _ := p.kubectl("get", "httproutes.gateway.networking.k8s.io", "-A", "-o", "name")
		assert.Empty(t, strings.TrimSpace(out), "no HTTPRoute is left")
		after := p.get("destinationrule.networking.istio.io", "java-service", "-n", appNS)
		assert.Equal(t, dig(rule, "metadata", "uid"), dig(after, "metadata", "uid"), "the service's DestinationRule is the same object throughout")
		_, err := e.stack.Preview(context.Background(), true)
		require.NoError(t, err, "a preview after the switch proposes nothing")
	})
}

// watchRoutes runs change while reading, about every 200 ms, which services
// have a mesh route in either API, and returns the moments one had none.
func watchRoutes(t *testing.T, p *project, services []string, change func()) []string {
	t.Helper()
	stop, done := make(chan struct{}), make(chan struct{})
	var gaps []string
	var polls int
	go func() {
		defer close(done)
		for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			select {
			case <-stop:
				return
			default:
			}
			routed := map[string]bool{}
			for _, kind := range []string{"virtualservices.networking.istio.io", "httproutes.gateway.networking.k8s.io"} {
				out, _ := p.kubectl("get", kind, "-n", appNS, "-o", "name")
				for _, line := range strings.Fields(out) {
					routed[line[strings.LastIndex(line, "/")+1:]] = true
				}
			}
			polls++
			// Both kinds' names are <service>-mesh: either one will do.
			for _, svc := range services {
				if !routed[names.MeshVirtualService(svc)] && !routed[names.MeshHTTPRoute(svc)] {
					gaps = append(gaps, time.Now().Format("15:04:05.000")+" "+svc)
				}
			}
		}
	}()
	change()
	close(stop)
	<-done
	t.Logf("routes read %d times during the switch", polls)
	return gaps
}
