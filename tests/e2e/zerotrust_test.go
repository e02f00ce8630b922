//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestZeroTrust runs real connections between real pods on the real node,
// where kube-network-policies enforces the NetworkPolicies the program
// writes (hack/netpol-up.sh): each connection starts inside a pod's own
// network namespace, as the pod's process would open it.
//
// The stack: api, called only by client; client, api's declared caller;
// bystander, a service of the same namespace that declares nothing. Beside
// it, outsider: a pod of another namespace, under no policy of its own. Each
// refusal is made to rest on one side alone: the bystander gets an extra
// policy opening its own egress, so only api's admission can refuse it, and
// the outsider's namespace has no policy, so only the client's egress can
// refuse the client's connection to it.
func TestZeroTrust(t *testing.T) {
	nodeDir(t)
	const namespace, outsiderNS = "zero-trust", "zero-trust-outsider"
	e := newProject(t).env("zt", func(c map[string]any) {
		c["cloudnative:app"].(map[string]any)["namespace"] = namespace
		delete(c, "cloudnative:observability")
		service := func(name string, extra map[string]any) map[string]any {
			s := map[string]any{"name": name, "strategy": "ramped", "port": 80, "targetPort": 8080, "replicas": 1,
				"image": "docker.io/cloudnative/go-service:1.0.0", "gateway": false}
			for k, v := range extra {
				s[k] = v
			}
			return s
		}
		c["cloudnative:services"] = []any{
			service("api", map[string]any{"callers": []any{map[string]any{"service": "client"}}}),
			service("client", nil),
			service("bystander", nil),
		}
	})
	ctx := context.Background()
	t.Cleanup(func() {
		_, _ = e.stack.Destroy(ctx)
		_, _ = e.kubectl("delete", "namespace", outsiderNS, "--wait=false")
	})
	e.up()

	// The outsider: the same sample image, in a namespace no stack owns.
	manifest := fmt.Sprintf(`{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"v1","kind":"Namespace","metadata":{"name":%[1]q}},
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"outsider","namespace":%[1]q,"labels":{"app":"client"}},
"spec":{"automountServiceAccountToken":false,"nodeSelector":{"node.cloudnative-pac.dev/runs":"containers"},
"tolerations":[{"key":"node.cloudnative-pac.dev/runs","operator":"Equal","value":"containers","effect":"NoSchedule"}],
"securityContext":{"runAsNonRoot":true,"runAsUser":10001},
"containers":[{"name":"outsider","image":"docker.io/cloudnative/go-service:1.0.0","imagePullPolicy":"Never",
"readinessProbe":{"httpGet":{"path":"/health","port":8080},"periodSeconds":1}}]}}]}`, outsiderNS)
	openEgress := fmt.Sprintf(`{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
"metadata":{"name":"test-bystander-egress-open","namespace":%q},
"spec":{"podSelector":{"matchLabels":{"app":"bystander"}},"policyTypes":["Egress"],"egress":[{}]}}`, namespace)
	for file, content := range map[string]string{"outsider.json": manifest, "open-egress.json": openEgress} {
		require.NoError(t, os.WriteFile(e.dir+"/"+file, []byte(content), 0o644))
		_, err := e.kubectl("apply", "-f", e.dir+"/"+file)
		require.NoError(t, err)
	}
	_, err := e.kubectl("wait", "--for=condition=Ready", "pod/outsider", "-n", outsiderNS, "--timeout=120s")
	require.NoError(t, err)

	pods := map[string]netPod{}
	for _, name := range []string{"api", "client", "bystander"} {
		pods[name] = e.netPod(t, namespace, "app="+name)
	}
	pods["outsider"] = e.netPod(t, outsiderNS, "app=client")
	apiService := dig(e.get("service", "api", "-n", namespace), "spec", "clusterIP").(string)

	cases := []struct {
		from, to, address string
		answered          bool
		why               string
	}{
		{"client", "api", pods["api"].ip + ":8080", true, "a declared caller reaches the pod"},
		{"client", "api", apiService + ":80", true, "a declared caller reaches the Service"},
		{"bystander", "outsider", pods["outsider"].ip + ":8080", true, "the bystander's egress is open (so api's refusals below are api's admission alone)"},
		{"bystander", "api", pods["api"].ip + ":8080", false, "an undeclared pod of the same namespace is refused"},
		{"bystander", "api", apiService + ":80", false, "an undeclared pod of the same namespace is refused at the Service too"},
		{"outsider", "api", pods["api"].ip + ":8080", false, "a pod of another namespace is refused, even wearing a caller's label"},
		{"client", "outsider", pods["outsider"].ip + ":8080", false, "a connection to an undeclared destination is refused"},
		{"api", "client", pods["client"].ip + ":8080", false, "callers are not callees: api may not call client back"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s→%s %s", tc.from, tc.to, tc.address), func(t *testing.T) {
			status, err := httpFrom(pods[tc.from].pid, tc.address)
			if tc.answered {
				require.NoError(t, err, tc.why)
				assert.Equal(t, "200", status, tc.why)
			} else {
				assert.Error(t, err, "%s, yet it answered %s", tc.why, status)
			}
		})
	}
}

// netPod is a running pod's address and its container's process, whose
// network namespace connections are made from.
type netPod struct {
	ip  string
	pid int
}

func (p *project) netPod(t *testing.T, namespace, selector string) netPod {
	t.Helper()
	_, err := p.kubectl("wait", "--for=condition=Ready", "pod", "-l", selector, "-n", namespace, "--timeout=120s")
	require.NoError(t, err)
	items := p.items("pods", "-n", namespace, "-l", selector)
	require.Len(t, items, 1, "one pod of %s in %s", selector, namespace)
	name := dig(items[0], "metadata", "name").(string)
	for _, c := range p.containerProcesses(t, namespace) {
		if c.pod == name {
			return netPod{ip: dig(items[0], "status", "podIP").(string), pid: c.pid}
		}
	}
	t.Fatalf("no running container of pod %s/%s", namespace, name)
	return netPod{}
}

// httpFrom sends GET /health to address from inside the network namespace of
// process pid, and returns the status code. The enforcer drops a refused
// connection's first packet, so a refusal is a connection that never opens
// (bounded by the dial timeout).
func httpFrom(pid int, address string) (string, error) {
	type result struct {
		status string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		// A network namespace belongs to a thread: this goroutine keeps its
		// thread, and the thread is thrown away if it cannot go back.
		runtime.LockOSThread()
		own, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer own.Close()
		target, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("enter the pod's network namespace: %w", err)}
			return
		}
		status, err := getHealth(address)
		if unix.Setns(int(own.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		done <- result{status, err}
	}()
	r := <-done
	return r.status, r.err
}

// getHealth speaks HTTP/1.0 over one connection opened on the calling
// thread (an http.Client would dial from other threads, outside the pod).
func getHealth(address string) (string, error) {
	conn, err := net.DialTimeout("tcp", address, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("GET /health HTTP/1.0\r\nHost: probe\r\n\r\n")); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if n == 0 {
		return "", fmt.Errorf("no answer: %w", err)
	}
	fields := strings.Fields(string(buf[:n]))
	if len(fields) < 2 {
		return "", fmt.Errorf("not HTTP: %q", buf[:n])
	}
	return fields[1], nil
}
