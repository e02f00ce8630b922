//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Node names of the local cluster (hack/lib.sh).
const (
	realNode      = "real-node-0"
	simulatedNode = "kwok-node-0"
)

// assertPlacedAndAnswering checks that the services' pods run on the real node
// and the platform's on the simulated one, and that every service answers
// through its NodePort with its own name and the version the stack declares.
func assertPlacedAndAnswering(t *testing.T, p *env) {
	nodeDir(t)
	for _, pod := range p.items("pods", "-n", appNS) {
		assert.Equal(t, realNode, dig(pod, "spec", "nodeName"), "%s runs on the real node", dig(pod, "metadata", "name"))
		assert.Equal(t, dig(pod, "metadata", "labels", "app"), dig(pod, "spec", "serviceAccountName"),
			"%s runs as its service's own ServiceAccount: its own mesh identity", dig(pod, "metadata", "name"))
	}
	for _, ns := range []string{"istio-system", "istio-ingress"} {
		for _, pod := range p.items("pods", "-n", ns) {
			assert.Equal(t, simulatedNode, dig(pod, "spec", "nodeName"), "%s stays on the simulated node", dig(pod, "metadata", "name"))
		}
	}
	for _, service := range []string{"go-service", "java-service", "html-frontend", "config-service"} {
		np := p.get("networkpolicy", service, "-n", appNS)
		assert.Equal(t, []any{"Ingress", "Egress"}, dig(np, "spec", "policyTypes"), "%s: deny by default both ways, accepted by the API server", service)
	}
	client := freshClient()
	want := map[string]string{
		"go-service":            `"service":"go-service","version":"1.0.0","instance":"One"`,
		"config-service":        `"service":"config-service","version":"1.0.0","instance":"One"`, // go-service's image, deployed as config-service
		"java-service":          `"service":"java-service","version":"(1|2).0.0","instance":"One"`,
		"html-frontend":         `service=html-frontend version=1.0.0 instance=One`,
		"html-frontend-preview": `service=html-frontend version=1.1.0 instance=One`,
	}
	for service, pattern := range want {
		url := p.nodePort(t, appNS, service)
		resp, err := client.Get(url)
		require.NoError(t, err, service)
		body := make([]byte, 4096)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, service)
		assert.Regexp(t, pattern, string(body[:n]), "%s at %s", service, url)
	}
}

// testPodsRunAsDeclared looks at each service's container process on the
// real node, as the kernel runs it: the non-root user and group, a read-only
// root filesystem, the properties file mounted read-only, a writable /tmp.
func testPodsRunAsDeclared(t *testing.T, p *env) {
	// The autoscaler adds its minimum's pods after up has seen the
	// Deployment's first one ready, so pods may start between two counts:
	// count again (for at most a minute) until pods and processes agree.
	var procs []containerProcess
	pods := 0
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Second) {
		_, err := p.kubectl("wait", "--for=condition=Ready", "pods", "--all", "-n", appNS, "--timeout=120s")
		require.NoError(t, err)
		pods = len(p.items("pods", "-n", appNS))
		procs = p.containerProcesses(t, appNS)
		if pods == len(procs) || time.Now().After(deadline) {
			break
		}
	}
	require.Equal(t, pods, len(procs), "one running container per pod of the services")
	for _, c := range procs {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.pid))
		require.NoError(t, err, c.pod)
		assert.Regexp(t, `(?m)^Uid:\s+10001\s+10001\s+10001`, string(status), "%s runs as uid 10001", c.pod)
		assert.Regexp(t, `(?m)^Gid:\s+10001\s+10001\s+10001`, string(status), "%s runs as gid 10001", c.pod)
		assert.Regexp(t, `(?m)^CapEff:\s+0+$`, string(status), "%s has no capabilities", c.pod)
		assert.Regexp(t, `(?m)^NoNewPrivs:\s+1$`, string(status), "%s cannot gain privileges", c.pod)
		mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", c.pid))
		require.NoError(t, err, c.pod)
		assert.Regexp(t, mountOptions("/", "ro"), string(mounts), "%s: the root filesystem is read-only", c.pod)
		assert.Regexp(t, mountOptions("/config", "ro"), string(mounts), "%s: the properties are mounted read-only", c.pod)
		assert.Regexp(t, mountOptions("/tmp", "rw"), string(mounts), "%s: /tmp is writable", c.pod)
	}
}

// mountOptions matches a mountinfo line of a mount point with its first option.
func mountOptions(point, first string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\S+ \S+ \S+ \S+ ` + regexp.QuoteMeta(point) + ` ` + first + `[,\s]`)
}

// testIstioChartUpgrade moves the stack to the next version of Istio's charts
// (a copy of the local chart directory whose charts say 1.0.1, as a new patch
// release kept offline would): the three Helm releases are upgraded in place,
// base, then istiod, then the gateway, and no object of the application, nor
// istiod's Deployment, is replaced.
func testIstioChartUpgrade(t *testing.T, p *env) {
	record := func() map[string]any {
		now := map[string]any{}
		for _, kind := range []string{"deployments", "services", "configmaps", "virtualservices.networking.istio.io", "destinationrules.networking.istio.io"} {
			for _, o := range p.items(kind, "-n", appNS) {
				now[kind+"/"+dig(o, "metadata", "name").(string)] = dig(o, "metadata", "uid")
			}
		}
		now["istiod"] = dig(p.get("deployment", "istiod", "-n", "istio-system"), "metadata", "uid")
		return now
	}
	uids := record()

	next := filepath.Join(t.TempDir(), "charts")
	require.NoError(t, os.CopyFS(next, os.DirFS(p.charts)))
	for _, chart := range []string{"base", "istio-control/istio-discovery", "gateway"} {
		file := filepath.Join(next, chart, "Chart.yaml")
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		bumped := regexp.MustCompile(`(?m)^version: .*$`).ReplaceAll(data, []byte("version: 1.0.1"))
		require.NotEqual(t, string(data), string(bumped), "%s has a version line", file)
		require.NoError(t, os.WriteFile(file, bumped, 0o644))
	}
	p.section("cloudnative:istio")["chartDir"] = next
	p.writeConfig()
	res, err := p.stack.Up(context.Background())
	require.NoError(t, err)
	changes := *res.Summary.ResourceChanges
	assert.Zero(t, changes["replace"], "nothing is replaced")
	assert.Zero(t, changes["create"], "nothing is created")
	assert.Zero(t, changes["delete"], "nothing is deleted")
	assert.Equal(t, 3, changes["update"], "the three Helm releases, and nothing else, are updated")

	// Helm's records: each release has a second revision, deployed, of the new
	// chart, made in the required order.
	var upgradedAt []string
	for _, r := range []struct{ ns, release string }{{"istio-system", "istio-base"}, {"istio-system", "istiod"}, {"istio-ingress", "istio-ingressgateway"}} {
		secret := p.get("secret", "sh.helm.release.v1."+r.release+".v2", "-n", r.ns)
		assert.Equal(t, "deployed", dig(secret, "metadata", "labels", "status"), r.release)
		upgradedAt = append(upgradedAt, dig(secret, "metadata", "creationTimestamp").(string))
	}
	assert.IsNonDecreasing(t, upgradedAt, "base, then istiod, then the gateway")
	assert.Equal(t, uids, record(), "every application object, and istiod's Deployment, is the same object")
	p.section("cloudnative:istio")["chartDir"] = p.charts
}
