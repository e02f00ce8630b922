//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/internal/appbuild"
)

// The demo page in a real browser: Debian's Chromium, headless, as a newcomer
// opens the URL make demo prints. The page's scripts run (the virtual time
// budget waits for them and for their requests), and the rendered DOM is read.

// artifactsDir keeps what a failed (or passed) browser test showed.
func artifactsDir(t *testing.T) string {
	dir, err := filepath.Abs("../../.local/e2e-artifacts")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// chromium runs one headless Chromium on url with the extra arguments and
// returns what it printed. It talks to nothing but url: no first-run,
// sync, component-update or other background traffic.
func chromium(t *testing.T, url string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=15000", "--window-size=1000,420"}, extra...)
	cmd := exec.CommandContext(ctx, "chromium", append(args, url)...)
	// Its helper processes go with it, on a timeout too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.Output()
	require.NoError(t, err, "chromium %s", url)
	return string(out)
}

// renderedRows opens the page, keeps a screenshot of it, and returns each
// backend row's rendered answer and how it was asked.
func renderedRows(t *testing.T, url, screenshot string) (dom string, answers, vias map[string]string) {
	t.Helper()
	shot := filepath.Join(artifactsDir(t), screenshot)
	chromium(t, url, "--screenshot="+shot)
	t.Logf("screenshot of %s: %s", url, shot)
	dom = chromium(t, url, "--dump-dom")
	answers, vias = map[string]string{}, map[string]string{}
	row := regexp.MustCompile(`<tr class="backend" data-name="([^"]+)"[^>]*><td>[^<]*</td><td class="answer[^"]*">([^<]*)</td><td class="via">([^<]*)</td></tr>`)
	for _, m := range row.FindAllStringSubmatch(dom, -1) {
		answers[m[1]], vias[m[1]] = m[2], m[3]
	}
	return dom, answers, vias
}

// testDemoPageInBrowser opens the frontend through the NodePort the demo
// prints: no gateway is in front of it here, so the page must show each
// backend's answer as the frontend got it through the backend's in-cluster
// Service (a declared caller, let through by the enforced NetworkPolicies).
func testDemoPageInBrowser(t *testing.T, p *env) {
	dom, answers, vias := renderedRows(t, p.nodePort(t, appNS, "html-frontend"), "demo-page.png")
	assert.Regexp(t, `service=html-frontend version=1\.0\.0 instance=One`, dom, "the page says who served it")
	assert.NotContains(t, dom, "SyntaxError")
	for name, version := range map[string]string{"java-service": `(1|2)\.0\.0`, "go-service": `1\.0\.0`} {
		assert.Regexp(t, "^"+name+" "+version+` \(instance One\)$`, answers[name], "%s's answer, rendered (page: %s)", name, dom)
		assert.Regexp(t, `^by the frontend, in the cluster: http://198\.1[89]\.\d+\.\d+:80/$`, vias[name], "%s asked through its Service's address", name)
	}

	// The same page, served by a frontend whose java-service is the cluster's
	// (its NodePort) and whose go-service is a closed port: the row says so in
	// words, the other still answers.
	javaPort := num(dig(p.get("service", "java-service", "-n", appNS), "spec", "ports", 0, "nodePort"))
	url := startFrontend(t, map[string]string{
		"JAVA_SERVICE_SERVICE_HOST": "127.0.0.1", "JAVA_SERVICE_SERVICE_PORT": strconv.Itoa(javaPort),
		"GO_SERVICE_SERVICE_HOST": "127.0.0.1", "GO_SERVICE_SERVICE_PORT": strconv.Itoa(closedPort(t)),
	})
	dom, answers, _ = renderedRows(t, url, "demo-page-unreachable-backend.png")
	assert.Regexp(t, `^java-service (1|2)\.0\.0 \(instance `, answers["java-service"], dom)
	assert.Regexp(t, `^go-service cannot be reached: .*connection refused`, answers["go-service"], dom)
	assert.NotContains(t, dom, "SyntaxError")
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// startFrontend runs the frontend's binary on loopback with env, stopped when
// the test ends, and returns its URL.
func startFrontend(t *testing.T, env map[string]string) string {
	t.Helper()
	apps, err := filepath.Abs("../../apps")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "html-frontend")
	require.NoError(t, appbuild.GoBinary(apps, "html-frontend", "1.0.0", bin))
	port := closedPort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "CONFIG_FILE=/nonexistent", "DRAIN_SECONDS=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	require.Eventually(t, func() bool {
		resp, err := http.Get(url + "health")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 10*time.Second, 100*time.Millisecond, "the frontend starts")
	return url
}

// testAddingAServiceFromTheDocs follows docs/services.md's how-to on the
// running stack: its stack-file entry, as the page shows it, added to the
// stack; an up; the new service answers through its NodePort with its own
// name. Then it is taken out again, and the stack is as before.
func testAddingAServiceFromTheDocs(t *testing.T, p *env) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "services.md"))
	require.NoError(t, err)
	section := string(data)[strings.Index(string(data), "## Adding a service"):]
	block := section[strings.Index(section, "```yaml\n")+len("```yaml\n"):]
	block = block[:strings.Index(block, "```")]
	var entries []any
	require.NoError(t, yaml.Unmarshal([]byte(block), &entries))
	require.Len(t, entries, 1, "the how-to's entry:\n%s", block)

	before := p.config["cloudnative:services"].([]any)
	p.config["cloudnative:services"] = append(append([]any{}, before...), entries[0])
	p.writeConfig()
	p.up()
	resp, err := freshClient().Get(p.nodePort(t, appNS, "orders"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"service":"orders","version":"1.0.0","instance":"One"`)
	assertAvailable(t, p.get("deployment", "orders", "-n", appNS), 2)

	p.config["cloudnative:services"] = before
	p.writeConfig()
	p.up()
	_, err = p.kubectl("get", "deployment", "orders", "-n", appNS)
	assert.ErrorContains(t, err, "NotFound", "taken out again")
}
