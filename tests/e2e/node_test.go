//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The real node: make e2e starts it beside the simulated one and names its
// directory (containerd's socket) in E2E_NODE_DIR.

func nodeDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("E2E_NODE_DIR")
	require.NotEmpty(t, dir, "E2E_NODE_DIR must name the real node's directory (make e2e sets it)")
	_, err := os.Stat(filepath.Join(dir, "ready"))
	require.NoError(t, err, "the real node is not ready: see the cluster's logs (hack/node-up.sh says why a machine cannot run it)")
	return dir
}

// importImages builds sample images (…/<app>:<version>) and imports them into
// the real node's runtime, as a CI pipeline would push them to a registry.
func (p *project) importImages(t *testing.T, refs ...string) {
	t.Helper()
	var args []string
	for _, ref := range refs {
		args = append(args, "-image", ref)
	}
	p.buildAndImport(t, args)
}

// importUnhealthy builds a sample image whose /health fails: a broken release.
func (p *project) importUnhealthy(t *testing.T, ref string) {
	t.Helper()
	p.buildAndImport(t, []string{"-unhealthy", ref})
}

func (p *project) buildAndImport(t *testing.T, args []string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	build := exec.Command("go", append([]string{"run", "./hack/nodeimages", "-out", filepath.Join(root, ".local", "node-images")}, args...)...)
	build.Dir = root
	build.Stderr = os.Stderr
	out, err := build.Output()
	require.NoError(t, err, "building %v", args)
	socket := filepath.Join(nodeDir(t), "containerd.sock")
	for _, tarball := range strings.Fields(string(out)) {
		imp := exec.Command("ctr", "--address", socket, "-n", "k8s.io", "images", "import", tarball)
		output, err := imp.CombinedOutput()
		require.NoError(t, err, "ctr import %s: %s", tarball, output)
	}
}

// nodePort is where a Service answers on 127.0.0.1.
func (p *project) nodePort(t *testing.T, namespace, service string) string {
	t.Helper()
	svc := p.get("service", service, "-n", namespace)
	port := num(dig(svc, "spec", "ports", 0, "nodePort"))
	require.NotZero(t, port, "%s has no NodePort", service)
	return fmt.Sprintf("http://127.0.0.1:%d/", port)
}

// answer is what one request of the load got.
type answer struct {
	at      time.Time
	status  int // 0: no HTTP answer at all
	version string
	err     string
}

func (a answer) failed() bool { return a.status != http.StatusOK }

// load sends requests to one URL, one after another with a short pause, and
// records every answer; bounded in count and in time.
type load struct {
	mu      sync.Mutex
	answers []answer
	stopped chan struct{}
	done    chan struct{}
}

const (
	loadPause    = 20 * time.Millisecond
	loadMaxCount = 30000
	loadMaxTime  = 8 * time.Minute
)

// freshClient opens a new connection per request, as independent users do: a
// kept-alive connection stays with the pod it reached through kube-proxy, and
// would never see a Service move to other pods.
func freshClient() *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

func startLoad(url string) *load {
	l := &load{stopped: make(chan struct{}), done: make(chan struct{})}
	client := freshClient()
	go func() {
		defer close(l.done)
		deadline := time.Now().Add(loadMaxTime)
		for i := 0; i < loadMaxCount && time.Now().Before(deadline); i++ {
			select {
			case <-l.stopped:
				return
			default:
			}
			l.record(get(client, url))
			time.Sleep(loadPause)
		}
	}()
	return l
}

func get(client *http.Client, url string) answer {
	a := answer{at: time.Now()}
	resp, err := client.Get(url)
	if err != nil {
		a.err = err.Error()
		return a
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a.status = resp.StatusCode
	a.version = versionOf(body)
	return a
}

// versionOf reads the version a sample service answered with: JSON from the
// Go and Java services, a line of the page from the frontend.
func versionOf(body []byte) string {
	var id struct{ Version string }
	if json.Unmarshal(body, &id) == nil && id.Version != "" {
		return id.Version
	}
	if _, rest, ok := strings.Cut(string(body), " version="); ok {
		return strings.Fields(rest)[0]
	}
	return ""
}

func (l *load) record(a answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answers = append(l.answers, a)
}

// stop ends the load once it has had at least a second more, and the last
// answer is a success (kube-proxy takes a moment to follow new endpoints), or
// after 15 s; it returns every answer.
func (l *load) stop() []answer {
	asked := time.Now()
	for time.Since(asked) < 15*time.Second {
		time.Sleep(200 * time.Millisecond)
		l.mu.Lock()
		settled := len(l.answers) > 0 && !l.answers[len(l.answers)-1].failed()
		l.mu.Unlock()
		if settled && time.Since(asked) >= time.Second {
			break
		}
	}
	close(l.stopped)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]answer(nil), l.answers...)
}

// summary describes answers in a line for failure messages and the log.
func summary(answers []answer) string {
	counts := map[string]int{}
	for _, a := range answers {
		switch {
		case a.err != "":
			counts["error"]++
		case a.failed():
			counts[fmt.Sprintf("HTTP %d", a.status)]++
		default:
			counts[a.version]++
		}
	}
	var parts []string
	for k, n := range counts {
		parts = append(parts, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(parts)
	out := fmt.Sprintf("%d requests (%s)", len(answers), strings.Join(parts, ", "))
	if failed := failures(answers); len(failed) > 0 {
		first, last := failed[0], failed[len(failed)-1]
		out += fmt.Sprintf("; failures from %s to %s (%s), first: %d %s, last: %d %s",
			first.at.Format("15:04:05.000"), last.at.Format("15:04:05.000"), last.at.Sub(first.at).Round(time.Millisecond),
			first.status, first.err, last.status, last.err)
	}
	if len(answers) > 0 {
		out += fmt.Sprintf("; load from %s to %s", answers[0].at.Format("15:04:05.000"), answers[len(answers)-1].at.Format("15:04:05.000"))
	}
	return out
}

func failures(answers []answer) []answer {
	var out []answer
	for _, a := range answers {
		if a.failed() {
			out = append(out, a)
		}
	}
	return out
}

// versionRuns are the versions in the order they answered, each run of equal
// answers once: [1.0.0 1.1.0 1.0.0 1.1.0] shows a mixed period.
func versionRuns(answers []answer) []string {
	var runs []string
	for _, a := range answers {
		if a.failed() {
			continue
		}
		if len(runs) == 0 || runs[len(runs)-1] != a.version {
			runs = append(runs, a.version)
		}
	}
	return runs
}

// containerProcess is one running container of the real node as the kernel
// sees it, found through the runtime's task list.
type containerProcess struct {
	pod, container string
	pid            int
}

func (p *project) containerProcesses(t *testing.T, namespace string) []containerProcess {
	t.Helper()
	socket := filepath.Join(nodeDir(t), "containerd.sock")
	ctr := func(args ...string) string {
		out, err := exec.Command("ctr", append([]string{"--address", socket, "-n", "k8s.io"}, args...)...).Output()
		require.NoError(t, err, "ctr %v", args)
		return string(out)
	}
	var procs []containerProcess
	for _, line := range strings.Split(ctr("tasks", "ls"), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[2] != "RUNNING" {
			continue
		}
		var info struct {
			Labels map[string]string `json:"Labels"`
		}
		require.NoError(t, json.Unmarshal([]byte(ctr("containers", "info", fields[0])), &info))
		name := info.Labels["io.kubernetes.container.name"]
		if name == "" || name == "POD" || info.Labels["io.kubernetes.pod.namespace"] != namespace {
			continue
		}
		var pid int
		fmt.Sscan(fields[1], &pid)
		procs = append(procs, containerProcess{pod: info.Labels["io.kubernetes.pod.name"], container: name, pid: pid})
	}
	return procs
}
