//go:build e2e

// Package e2e deploys the platform through the real Pulumi engine onto the repo's
// local control plane (make e2e starts it) and checks what users rely on from the
// API server itself.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/engine"
	"github.com/cloudnative-pac/platform/internal/localca"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/internal/stackfile"
)

const (
	stackName = "e2e"
	appNS     = "cloudnative"
)

// project is a copy of the repo's project in a temp dir with a state backend of
// its own, so tests can change stack files and the properties file freely.
type project struct {
	t          *testing.T
	dir        string
	kubeconfig string
	charts     string
	backend    string
	log        *bytes.Buffer
}

// env is one stack of the project: its config (derived from Pulumi.local.yaml)
// and its engine handle.
type env struct {
	*project
	name   string
	config map[string]any
	salt   string
	stack  *engine.Stack
}

func newProject(t *testing.T) *project {
	t.Helper()
	kubeconfig := os.Getenv("E2E_KUBECONFIG")
	require.NotEmpty(t, kubeconfig, "E2E_KUBECONFIG must name the local control plane's kubeconfig (make e2e sets it)")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	charts := filepath.Join(root, ".local", "charts")
	require.DirExists(t, charts, "make charts copies Istio's charts")

	dir := t.TempDir()
	copyFile(t, filepath.Join(root, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	copyFile(t, filepath.Join(root, "config", "application.properties"), filepath.Join(dir, "config", "application.properties"))
	p := &project{t: t, dir: dir, kubeconfig: kubeconfig, charts: charts, backend: "file://" + t.TempDir(), log: &bytes.Buffer{}}
	start := time.Now()
	// Registered first, so it runs last: after every stack of the project is
	// closed.
	t.Cleanup(func() {
		checkNoCredentialsLeft(t, start)
		if t.Failed() {
			p.saveEngineOutput(root)
		}
	})
	return p
}

// env creates a stack from the local stack's config, edited by edit.
func (p *project) env(name string, edit func(config map[string]any)) *env {
	p.t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(p.t, err)
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	data, err := os.ReadFile(filepath.Join(root, "Pulumi.local.yaml"))
	require.NoError(p.t, err)
	require.NoError(p.t, yaml.Unmarshal(data, &file))
	e := &env{project: p, name: name, config: file.Config}
	e.cluster()["existing"] = map[string]any{"kubeconfigPath": p.kubeconfig}
	e.section("cloudnative:istio")["chartDir"] = p.charts
	e.section("cloudnative:observability")["manifestDir"] = filepath.Join(filepath.Dir(p.charts), "addons")
	if edit != nil {
		edit(e.config)
		dropCallersLeftOut(e.config)
	}
	e.certificate()
	e.writeConfig()
	e.stack, err = engine.Open(context.Background(), p.engineOptions(name))
	require.NoError(p.t, err)
	p.t.Cleanup(func() { _ = e.stack.Close() })
	e.reload()
	return e
}

// dropCallersLeftOut takes out of each service's callers the services an
// edit left out of the stack (the local stack's frontend calls both backends;
// a test keeping one of them keeps a stack the model accepts).
func dropCallersLeftOut(config map[string]any) {
	services, _ := config["cloudnative:services"].([]any)
	kept := map[string]bool{}
	for _, s := range services {
		kept[fmt.Sprint(s.(map[string]any)["name"])] = true
	}
	for _, s := range services {
		svc := s.(map[string]any)
		callers, _ := svc["callers"].([]any)
		var left []any
		for _, c := range callers {
			if name, isService := c.(map[string]any)["service"].(string); !isService || kept[name] {
				left = append(left, c)
			}
		}
		if len(left) == 0 {
			delete(svc, "callers")
		} else {
			svc["callers"] = left
		}
	}
}

// certificate makes the gateway certificate the stack's app.tls names, for its
// hosts as edited, as hack/gencert does for make demo: one per environment.
func (e *env) certificate() {
	e.t.Helper()
	hosts, certFile, _ := stackfile.CertificateFiles(mocktest.Config(e.config))
	if certFile == "" {
		return
	}
	pair, err := localca.Issue("e2e "+e.name, hosts, 24*time.Hour)
	require.NoError(e.t, err)
	dir := filepath.Join(e.dir, ".local", "tls", e.name)
	require.NoError(e.t, os.MkdirAll(dir, 0o700))
	tls := e.section("cloudnative:app")["tls"].(map[string]any)
	tls["certificateFile"], tls["keyFile"] = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	require.NoError(e.t, os.WriteFile(filepath.Join(dir, "tls.crt"), pair.CertificatePEM, 0o644))
	require.NoError(e.t, os.WriteFile(filepath.Join(dir, "tls.key"), pair.KeyPEM, 0o600))
}

// onSimulatedNode drops the stack's workload placement: its pods go to the
// simulated node, where any image "runs".
func onSimulatedNode(config map[string]any) {
	if scheduling, ok := config["cloudnative:scheduling"].(map[string]any); ok {
		delete(scheduling, "workloads")
	}
}

func (p *project) engineOptions(stack string) engine.Options {
	return engine.Options{ProjectDir: p.dir, Stack: stack, BackendURL: p.backend, Passphrase: "e2e", Progress: p.log}
}

func (e *env) file() string                      { return filepath.Join(e.dir, "Pulumi."+e.name+".yaml") }
func (e *env) section(key string) map[string]any { return e.config[key].(map[string]any) }
func (e *env) cluster() map[string]any           { return e.section("cloudnative:cluster") }

// service returns a service's config block by name.
func (e *env) service(name string) map[string]any {
	for _, s := range e.config["cloudnative:services"].([]any) {
		if s.(map[string]any)["name"] == name {
			return s.(map[string]any)
		}
	}
	e.t.Fatalf("no service %s in the stack", name)
	return nil
}

// writeConfig writes the stack file, keeping the secrets salt the engine made.
func (e *env) writeConfig() {
	e.t.Helper()
	doc := map[string]any{"config": e.config}
	if e.salt != "" {
		doc["encryptionsalt"] = e.salt
	}
	data, err := yaml.Marshal(doc)
	require.NoError(e.t, err)
	require.NoError(e.t, os.WriteFile(e.file(), data, 0o644))
}

// reload reads the stack file back, as after something else wrote it.
func (e *env) reload() {
	e.t.Helper()
	data, err := os.ReadFile(e.file())
	require.NoError(e.t, err)
	var doc struct {
		Config map[string]any `yaml:"config"`
		Salt   string         `yaml:"encryptionsalt"`
	}
	require.NoError(e.t, yaml.Unmarshal(data, &doc))
	e.config, e.salt = doc.Config, doc.Salt
}

func (e *env) up() {
	e.t.Helper()
	e.writeConfig()
	_, err := e.stack.Up(context.Background())
	require.NoError(e.t, err, "up %s", e.name)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, data, 0o644))
}

// saveEngineOutput keeps the engine's whole output of a failed test in
// .local/e2e-logs and logs only its end, so that the test's own failure
// messages stay near its result in a long log.
func (p *project) saveEngineOutput(root string) {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(p.t.Name()) + "-engine.log"
	path := filepath.Join(root, ".local", "e2e-logs", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		if err := os.WriteFile(path, p.log.Bytes(), 0o600); err == nil {
			p.t.Logf("engine output in %s; its end:\n%s", path, tail(p.log.String(), 1500))
			return
		}
	}
	p.t.Logf("engine output:\n%s", tail(p.log.String(), 6000))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// kubectl runs kubectl against the local control plane.
func (p *project) kubectl(args ...string) (string, error) {
	return p.kubectlStdin("", args...)
}

// serviceAccountToken makes a ServiceAccount in kube-system bound to a
// ClusterRole and returns an hour's token of it.
func (p *project) serviceAccountToken(name, clusterRole string) string {
	p.t.Helper()
	for _, args := range [][]string{
		{"create", "serviceaccount", name, "-n", "kube-system"},
		{"create", "clusterrolebinding", "e2e-" + name, "--clusterrole=" + clusterRole, "--serviceaccount=kube-system:" + name},
	} {
		_, err := p.kubectl(args...)
		require.NoError(p.t, err)
	}
	token, err := p.kubectl("create", "token", name, "-n", "kube-system", "--duration=1h")
	require.NoError(p.t, err)
	return strings.TrimSpace(token)
}

// kubeconfigFor writes the cluster's kubeconfig with the admin's token
// replaced by token (and whatever edit changes), returning its path.
func (p *project) kubeconfigFor(token string, edit func(kubeconfig map[string]any)) string {
	p.t.Helper()
	var kubeconfig map[string]any
	data, err := os.ReadFile(p.kubeconfig)
	require.NoError(p.t, err)
	require.NoError(p.t, yaml.Unmarshal(data, &kubeconfig))
	user := dig(kubeconfig, "users", 0, "user").(map[string]any)
	require.NotEqual(p.t, token, user["token"])
	user["token"] = token
	if edit != nil {
		edit(kubeconfig)
	}
	path := filepath.Join(p.t.TempDir(), "kubeconfig")
	data, err = yaml.Marshal(kubeconfig)
	require.NoError(p.t, err)
	require.NoError(p.t, os.WriteFile(path, data, 0o600))
	return path
}

// kubectlStdin runs kubectl with stdin (none when empty).
func (p *project) kubectlStdin(stdin string, args ...string) (string, error) {
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", p.kubeconfig}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// get returns one object as JSON.
func (p *project) get(args ...string) map[string]any {
	p.t.Helper()
	out, err := p.kubectl(append([]string{"get", "-o", "json"}, args...)...)
	require.NoError(p.t, err)
	var obj map[string]any
	require.NoError(p.t, json.Unmarshal([]byte(out), &obj))
	return obj
}

// items lists objects.
func (p *project) items(args ...string) []any {
	p.t.Helper()
	list := p.get(args...)
	items, _ := list["items"].([]any)
	return items
}

// watch records every version of the objects a kubectl watch reports until stop.
type watch struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	events []map[string]any
	done   chan struct{}
}

func (p *project) watch(args ...string) *watch {
	p.t.Helper()
	w := &watch{done: make(chan struct{})}
	w.cmd = exec.Command("kubectl", append([]string{"--kubeconfig", p.kubeconfig, "get", "--watch", "-o", "json"}, args...)...)
	stdout, err := w.cmd.StdoutPipe()
	require.NoError(p.t, err)
	require.NoError(p.t, w.cmd.Start())
	go func() {
		defer close(w.done)
		dec := json.NewDecoder(bufio.NewReader(stdout))
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); err != nil {
				return // the watch was stopped
			}
			w.mu.Lock()
			w.events = append(w.events, obj)
			w.mu.Unlock()
		}
	}()
	// Let the watch deliver the current state before the change starts.
	time.Sleep(time.Second)
	return w
}

// stop ends the watch and returns what it saw, oldest first.
func (w *watch) stop() []map[string]any {
	time.Sleep(time.Second)
	_ = w.cmd.Process.Kill()
	<-w.done
	_ = w.cmd.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.events
}

// dig walks nested JSON.
func dig(v any, path ...any) any { return mocktest.Dig(v, path...) }

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}
