//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/delivery"
	"github.com/cloudnative-pac/platform/release"
)

const (
	devNS     = "dev"
	stagingNS = "staging"
)

// TestPromotion deploys two environments on one cluster (dev installs Istio,
// staging shares it), then promotes, refuses, rolls back and previews.
func TestPromotion(t *testing.T) {
	p := newProject(t)
	// Promotion is about what the engine deploys from which file, not about
	// containers: these stacks run on the simulated node, whose pods need no
	// image, so the many versions below need not be built.
	dev := p.env("e2e-dev", func(c map[string]any) {
		onSimulatedNode(c)
		c["cloudnative:app"].(map[string]any)["namespace"] = devNS
		for _, s := range c["cloudnative:services"].([]any) {
			svc := s.(map[string]any)
			if svc["name"] == "java-service" {
				// A canary that dev has fully promoted.
				canary := svc["canary"].(map[string]any)
				canary["stableImage"], canary["weight"] = canary["canaryImage"], 0
			}
		}
	})
	staging := p.env("e2e-staging", func(c map[string]any) {
		onSimulatedNode(c)
		c["cloudnative:app"].(map[string]any)["namespace"] = stagingNS
		c["cloudnative:istio"].(map[string]any)["install"] = false
		// Its Gateway shares dev's ingress gateway, so it binds hosts of its own.
		c["cloudnative:app"].(map[string]any)["hosts"] = []any{"staging.cloudnative.test"}
		// The add-ons are cluster-wide, installed once by dev.
		c["cloudnative:observability"].(map[string]any)["enabled"] = false
		for _, s := range c["cloudnative:services"].([]any) {
			svc := s.(map[string]any)
			if scaling, ok := svc["autoscaling"].(map[string]any); ok {
				scaling["minReplicas"] = 1
			} else {
				svc["replicas"] = 1
			}
			switch svc["name"] {
			case "java-service":
				canary := svc["canary"].(map[string]any)
				canary["stableImage"], canary["canaryImage"], canary["weight"] = "docker.io/cloudnative/java-service:0.9.0", "docker.io/cloudnative/java-service:0.9.0", 0
			case "html-frontend":
				svc["blueGreen"].(map[string]any)["blueImage"] = "docker.io/cloudnative/html-frontend:0.9.0"
			default:
				svc["image"] = strings.Replace(svc["image"].(string), ":1.0.0", ":0.9.0", 1)
			}
		}
	})
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = staging.stack.Destroy(ctx)
		_, _ = dev.stack.Destroy(ctx)
	})
	dev.up()
	staging.up()
	originalStaging := images(t, staging, stagingNS)

	ws := delivery.Workspace{Engine: p.engineOptions(""), Out: p.log}
	chain := release.Chain{Stages: [][]string{{"e2e-dev"}, {"e2e-staging"}, {"e2e-prod"}}, PinnedImages: []string{"e2e-staging", "e2e-prod"}}
	promotion := delivery.Promotion{From: "e2e-dev", To: "e2e-staging", Chain: chain, Then: delivery.Apply}

	t.Run("GuardsRefuseAndLeaveTheTargetUntouched", func(t *testing.T) {
		fileBefore, err := os.ReadFile(staging.file())
		require.NoError(t, err)
		cases := []struct {
			name    string
			breakIt func()
			mend    func()
			want    string
		}{
			{"stage skipped", func() {}, func() {}, "refused: e2e-dev → e2e-prod skips e2e-staging"},
			{"source not up to date", func() {
				dev.service("go-service")["image"] = "docker.io/cloudnative/go-service:1.2.0"
				dev.writeConfig()
			}, func() {
				dev.service("go-service")["image"] = "docker.io/cloudnative/go-service:1.0.0"
				dev.writeConfig()
			}, "refused: e2e-dev is not up to date with its config"},
			{"canary in progress", func() {
				canary := dev.service("java-service")["canary"].(map[string]any)
				canary["canaryImage"], canary["weight"] = "docker.io/cloudnative/java-service:2.1.0", 10
				dev.up()
			}, func() {
				canary := dev.service("java-service")["canary"].(map[string]any)
				canary["canaryImage"], canary["weight"] = "docker.io/cloudnative/java-service:2.0.0", 0
				dev.up()
			}, "refused: canary not fully promoted: java-service"},
			{"unpinned image", func() {
				dev.service("config-service")["image"] = "docker.io/cloudnative/config-service:latest"
				dev.up()
			}, func() {
				dev.service("config-service")["image"] = "docker.io/cloudnative/config-service:1.0.0"
				dev.up()
			}, "refused: e2e-staging accepts only pinned images"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.breakIt()
				defer tc.mend()
				try := promotion
				if tc.name == "stage skipped" {
					try.To = "e2e-prod"
				}
				_, err := ws.Promote(context.Background(), try)
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.want)
				fileAfter, err := os.ReadFile(staging.file())
				require.NoError(t, err)
				assert.Equal(t, string(fileBefore), string(fileAfter), "the target's file is untouched")
				assert.Equal(t, originalStaging, images(t, staging, stagingNS), "the target's cluster is untouched")
			})
		}
	})

	t.Run("PromoteCarriesExactlyTheRelease", func(t *testing.T) {
		changes, err := ws.Promote(context.Background(), promotion)
		require.NoError(t, err)
		assert.Contains(t, changes, "go-service image docker.io/cloudnative/go-service:0.9.0 → docker.io/cloudnative/go-service:1.0.0")

		assert.Equal(t, images(t, dev, devNS), images(t, staging, stagingNS), "staging runs exactly dev's images")
		for _, svc := range []string{"java-service", "html-frontend"} {
			devVS := staging.get("virtualservice.networking.istio.io", svc+"-mesh", "-n", devNS)
			stagingVS := staging.get("virtualservice.networking.istio.io", svc+"-mesh", "-n", stagingNS)
			assert.Equal(t, subsetsAndWeights(devVS), subsetsAndWeights(stagingVS), "%s routing", svc)
		}
		// Environment settings stayed: staging keeps one replica per track.
		staging.reload()
		assert.Equal(t, 1, staging.service("go-service")["replicas"])
		assert.Equal(t, 1, num(dig(staging.get("deployment", "go-service", "-n", stagingNS), "spec", "replicas")))
	})

	t.Run("RollbackRestoresThePreviousRelease", func(t *testing.T) {
		_, err := ws.Rollback(context.Background(), "e2e-staging", delivery.Apply)
		require.NoError(t, err)
		assert.Equal(t, originalStaging, images(t, staging, stagingNS))
	})

	// Destroying one environment never touches another on the same cluster,
	// and the destroyed one comes back with a plain up.
	t.Run("DestroyAndRecreateLeaveTheOtherStackUntouched", func(t *testing.T) {
		devBefore := generations(t, dev, devNS)
		istioBefore := generations(t, dev, "istio-system")
		_, err := staging.stack.Destroy(context.Background())
		require.NoError(t, err)
		for _, o := range staging.items("deployments", "-n", stagingNS) {
			t.Errorf("deployment %s remains in %s", dig(o, "metadata", "name"), stagingNS)
		}
		assert.Equal(t, devBefore, generations(t, dev, devNS), "dev's objects are the same objects, unchanged")
		assert.Equal(t, istioBefore, generations(t, dev, "istio-system"), "the shared Istio is untouched")

		staging.reload() // the rollback wrote the file
		staging.up()
		assert.Equal(t, originalStaging, images(t, staging, stagingNS), "staging is back as its file says")
		assert.Equal(t, devBefore, generations(t, dev, devNS), "dev is still untouched")
	})

	t.Run("PRPreviewNamesTheChange", func(t *testing.T) {
		staging.reload()
		markdown, err := ws.PRPreview(context.Background(), "e2e-staging")
		require.NoError(t, err)
		assert.Contains(t, markdown, "No changes", markdown)

		staging.service("go-service")["image"] = "docker.io/cloudnative/go-service:1.3.0"
		staging.writeConfig()
		markdown, err = ws.PRPreview(context.Background(), "e2e-staging")
		require.NoError(t, err)
		assert.Contains(t, markdown, "| update | 1 |", markdown)
		assert.Contains(t, markdown, "- go-service image docker.io/cloudnative/go-service:0.9.0 → docker.io/cloudnative/go-service:1.3.0", markdown)
		assert.Equal(t, 1, strings.Count(markdown, "\n- "), "exactly one release change: %s", markdown)
		assert.Contains(t, markdown, "**Traffic of go-service**", markdown)
		assert.Equal(t, 1, strings.Count(markdown, "```mermaid"), "a diagram for the one changed service: %s", markdown)
		assertDrawn(t, markdown)
	})
}

// generations identifies the objects of a namespace and their declared state:
// kind/name → uid and generation (a change of spec bumps the generation; a
// deletion and re-creation changes the uid).
func generations(t *testing.T, e *env, namespace string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, kind := range []string{"deployments", "services", "configmaps", "virtualservices.networking.istio.io", "destinationrules.networking.istio.io", "gateways.networking.istio.io"} {
		for _, o := range e.items(kind, "-n", namespace) {
			out[kind+"/"+dig(o, "metadata", "name").(string)] = fmt.Sprint(dig(o, "metadata", "uid"), " ", dig(o, "metadata", "generation"))
		}
	}
	require.NotEmpty(t, out, "namespace %s has objects", namespace)
	return out
}

// images maps each Deployment of a namespace to its image.
func images(t *testing.T, e *env, namespace string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range e.items("deployments", "-n", namespace) {
		out[dig(d, "metadata", "name").(string)] = dig(d, "spec", "template", "spec", "containers", 0, "image").(string)
	}
	return out
}

// subsetsAndWeights summarises a VirtualService's routes, ignoring hosts.
func subsetsAndWeights(vs map[string]any) []string {
	var out []string
	for i, route := range dig(vs, "spec", "http").([]any) {
		for _, d := range dig(route, "route").([]any) {
			out = append(out, fmt.Sprintf("%d/%v/%v", i, dig(d, "destination", "subset"), dig(d, "weight")))
		}
	}
	sort.Strings(out)
	return out
}
