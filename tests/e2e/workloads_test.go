//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"testing"

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
	}
	for _, ns := range []string{"istio-system", "istio-ingress"} {
		for _, pod := range p.items("pods", "-n", ns) {
			assert.Equal(t, simulatedNode, dig(pod, "spec", "nodeName"), "%s stays on the simulated node", dig(pod, "metadata", "name"))
		}
	}
	for _, service := range []string{"go-service", "java-service", "html-frontend", "config-service"} {
		np := p.get("networkpolicy", service, "-n", appNS)
		assert.Equal(t, []any{"Ingress"}, dig(np, "spec", "policyTypes"), "%s: deny by default, accepted by the API server", service)
	}
	client := freshClient()
	want := map[string]string{
		"go-service":            `"service":"go-service","version":"1.0.0","instance":"One"`,
		"config-service":        `"service":"go-service","version":"1.0.0","instance":"One"`,
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
	procs := p.containerProcesses(t, appNS)
	pods := len(p.items("pods", "-n", appNS))
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
