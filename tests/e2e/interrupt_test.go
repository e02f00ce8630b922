//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInterruptedUp kills `platform up` with everything it started (the CLI,
// the provider plugins) by SIGKILL, as a machine going away would, at three
// points of a real deployment: while the Istio control plane's Helm release is
// being installed, while the first Deployment rolls out, and while the add-ons'
// manifests are applied. Each time the next plain `platform up` must finish on
// its own, and afterwards the cluster must hold no object of the program that
// the state does not know.
func TestInterruptedUp(t *testing.T) {
	p := newProject(t)
	e := p.env("e2e-interrupted", onSimulatedNode)
	t.Cleanup(func() { _, _ = e.stack.Destroy(context.Background()) })
	platform := buildPlatform(t)

	points := []struct{ name, line string }{
		{"DuringIstiodHelmRelease", "kubernetes:helm.sh/v3:Release istio-istiod creating"},
		{"DuringFirstDeployment", "kubernetes:apps/v1:Deployment"},
		{"DuringAddons", "kubernetes:yaml/v2:ConfigFile observability-"},
	}
	for _, point := range points {
		t.Run(point.name, func(t *testing.T) {
			out := p.killUpAt(t, platform, e.name, point.line)
			t.Logf("killed at %q after:\n%s", point.line, tail(out, 1500))

			// The state is written once per run, so it lacks what the killed
			// run made: a destroy now could only leave those objects behind,
			// and must refuse, saying what to run first.
			output, err := p.platform(platform, "destroy", e.name)
			require.Error(t, err, "destroy after a killed up must refuse:\n%s", tail(output, 2000))
			assert.Contains(t, output, "platform up -stack "+e.name, "destroy names the command that takes the objects over")

			output, err = p.platformUp(platform, e.name)
			if err != nil {
				// The one case that needs a hand: a Helm install the state does
				// not hold. The error must say exactly what to run.
				commands := regexp.MustCompile(`(?m)^\s*kubectl (-n \S+ delete secret -l owner=helm,name=\S+)$`).FindAllStringSubmatch(output, -1)
				require.NotEmpty(t, commands, "the next up either recovers or says what to run:\n%s", tail(output, 4000))
				for _, c := range commands {
					_, err := p.kubectl(strings.Fields(c[1])...)
					require.NoError(t, err)
					t.Logf("ran what the failed up said: kubectl %s", c[1])
				}
				output, err = p.platformUp(platform, e.name)
				require.NoError(t, err, "the up after the command recovers:\n%s", tail(output, 4000))
			}
			p.assertClusterMatchesState(t, e)

			// Start the next point from an empty stack again.
			_, err = e.stack.Destroy(context.Background())
			require.NoError(t, err)
		})
	}
}

func buildPlatform(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "platform")
	build := exec.Command("go", "build", "-o", bin, "./cmd/platform")
	build.Dir = root
	output, err := build.CombinedOutput()
	require.NoError(t, err, "%s", output)
	return bin
}

func (p *project) platformUp(platform, stack string) (string, error) {
	return p.platform(platform, "up", stack)
}

func (p *project) platform(platform, command, stack string) (string, error) {
	return p.platformArgs(platform, command, "-stack", stack, "-dir", p.dir)
}

func (p *project) platformArgs(platform string, args ...string) (string, error) {
	cmd := exec.Command(platform, args...)
	cmd.Env = p.platformEnv()
	output, err := cmd.CombinedOutput()
	return string(output), err
}

func (p *project) platformEnv() []string {
	return append(os.Environ(), "PULUMI_BACKEND_URL="+p.backend, "PULUMI_CONFIG_PASSPHRASE=e2e")
}

// killUpAt starts `platform up` in a process group of its own and kills the
// whole group once its progress shows a line containing marker.
func (p *project) killUpAt(t *testing.T, platform, stack, marker string) string {
	return p.killAt(t, platform, []string{"up", "-stack", stack, "-dir", p.dir}, marker, 0)
}

// killAt runs platform with args in a process group of its own and kills the
// whole group delay after its output shows a line containing marker.
func (p *project) killAt(t *testing.T, platform string, args []string, marker string, delay time.Duration) string {
	t.Helper()
	cmd := exec.Command(platform, args...)
	cmd.Env = p.platformEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	var seen strings.Builder
	var tree []int
	killed := false
	scanner := bufio.NewScanner(stdout)
	for scanner.Scan() {
		line := scanner.Text()
		seen.WriteString(line + "\n")
		if strings.Contains(line, marker) && !killed {
			// Everything it started: the CLI and the plugins would otherwise
			// finish the run, and the plugins, which the CLI starts in process
			// groups of their own, would outlive it.
			time.Sleep(delay)
			tree = killTree(t, cmd.Process.Pid)
			killed = true
		}
	}
	_ = cmd.Wait()
	require.True(t, killed, "%s never reached %q:\n%s", args[0], marker, tail(seen.String(), 3000))
	// Let every killed process go before the next run looks at the state;
	// none may be left running.
	time.Sleep(time.Second)
	for _, pid := range tree {
		assert.False(t, alive(pid), "process %d of the killed run is still running", pid)
	}
	return seen.String()
}

// killTree kills a process and all its descendants, whatever their process
// group, by SIGKILL, as a machine going away would; it returns their pids.
func killTree(t *testing.T, root int) []int {
	t.Helper()
	var all []int
	// Twice: a process may start a child between the listing and the kill.
	for range 2 {
		tree := descendants(root)
		_ = syscall.Kill(-root, syscall.SIGKILL)
		for _, pid := range tree {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		all = append(all, tree...)
	}
	return all
}

// descendants are a process and the processes below it, read from /proc.
func descendants(root int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command may hold spaces and parentheses: fields follow the last ")".
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 {
			if ppid, err := strconv.Atoi(fields[1]); err == nil {
				children[ppid] = append(children[ppid], pid)
			}
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// alive reports whether pid runs (a zombie waiting for its parent does not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// assertClusterMatchesState lists the program's objects in the application
// namespace and Istio's Helm releases, and compares them with what the
// stack's state records.
func (p *project) assertClusterMatchesState(t *testing.T, e *env) {
	t.Helper()
	state, err := e.stack.Export(context.Background())
	require.NoError(t, err)
	var deployment struct {
		Resources []struct {
			Type    string         `json:"type"`
			Outputs map[string]any `json:"outputs"`
			Pending string         `json:"pending"`
		} `json:"resources"`
		Pending []any `json:"pending_operations"`
	}
	require.NoError(t, json.Unmarshal(state.Deployment, &deployment))
	assert.Empty(t, deployment.Pending, "no pending operation is left in the state")

	inState := map[string]bool{}
	for _, r := range deployment.Resources {
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		name, _ := dig(r.Outputs, "metadata", "name").(string)
		if r.Type == "kubernetes:helm.sh/v3:Release" {
			name, _ = r.Outputs["name"].(string)
		}
		kind := r.Type[strings.LastIndex(r.Type, ":")+1:]
		inState[kind+"/"+name] = true
	}
	var onCluster []string
	for _, kind := range []string{"Deployment", "Service", "ConfigMap", "NetworkPolicy", "PodDisruptionBudget",
		"HorizontalPodAutoscaler", "VirtualService", "DestinationRule", "Gateway", "PeerAuthentication"} {
		resource := map[string]string{"VirtualService": "virtualservices.networking.istio.io", "DestinationRule": "destinationrules.networking.istio.io",
			"Gateway": "gateways.networking.istio.io", "PeerAuthentication": "peerauthentications.security.istio.io"}[kind]
		if resource == "" {
			resource = strings.ToLower(kind)
		}
		for _, o := range p.items(resource, "-n", appNS) {
			name := dig(o, "metadata", "name").(string)
			if kind == "ConfigMap" && name == "kube-root-ca.crt" {
				continue
			}
			if !inState[kind+"/"+name] {
				onCluster = append(onCluster, kind+"/"+name)
			}
		}
	}
	// Helm keeps each revision of a release in a Secret of type helm.sh/release.v1.
	statuses := map[string][]string{}
	for _, ns := range []string{"istio-system", "istio-ingress"} {
		for _, s := range p.items("secrets", "-n", ns, "--field-selector", "type=helm.sh/release.v1") {
			release := dig(s, "metadata", "labels", "name").(string)
			statuses[release] = append(statuses[release], dig(s, "metadata", "labels", "status").(string))
		}
	}
	for release, revisions := range statuses {
		if !inState["Release/"+release] {
			onCluster = append(onCluster, "Release/"+release)
		}
		assert.Contains(t, revisions, "deployed", "%s has a deployed revision", release)
		for _, status := range revisions {
			assert.False(t, strings.HasPrefix(status, "pending"), "%s has a revision left %s", release, status)
		}
	}
	sort.Strings(onCluster)
	assert.Empty(t, onCluster, "objects on the cluster the state does not know")
}
