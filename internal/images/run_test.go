package images

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/appbuild"
)

// Each image runs under runc as the pod spec runs it: as its non-root user, the
// root filesystem read-only, /tmp a writable tmpfs, the properties file mounted
// read-only at /config. It answers on 127.0.0.1 (no network namespace of its
// own), and SIGTERM lets a request in flight finish.
func TestImages_RunAsThePodSpecRunsThem(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	for _, app := range Apps {
		t.Run(app, func(t *testing.T) {
			img, err := Build(apps, app, "3.1.4")
			require.NoError(t, err)
			cfg, err := img.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, "10001:10001", cfg.Config.User, "the image itself says who runs it")
			c := runContainer(t, img, "Four")

			var id struct{ Service, Version, Instance string }
			status, body := c.get(t, "/somewhere")
			require.Equal(t, http.StatusOK, status, body)
			if app == "html-frontend" {
				assert.Contains(t, body, "service=html-frontend version=3.1.4 instance=Four")
			} else {
				require.NoError(t, json.Unmarshal([]byte(body), &id))
				assert.Equal(t, struct{ Service, Version, Instance string }{app, "3.1.4", "Four"}, id)
			}

			pid := c.pid(t)
			statusFile, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			require.NoError(t, err)
			assert.Regexp(t, `(?m)^Uid:\s+10001\s+10001`, string(statusFile), "runs as the non-root user")
			assert.Regexp(t, `(?m)^Gid:\s+10001\s+10001`, string(statusFile), "and group")
			mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
			require.NoError(t, err)
			assert.Regexp(t, `(?m)^\S+ \S+ \S+ \S+ / ro[,\s]`, string(mounts), "the root filesystem is read-only")
			if app == "java-service" {
				perf, _ := filepath.Glob(fmt.Sprintf("/proc/%d/root/tmp/hsperfdata_*", pid))
				assert.NotEmpty(t, perf, "the JVM writes its perf data to the writable /tmp")
			}

			inFlight, exited := c.termDuringRequest(t)
			assert.Equal(t, http.StatusOK, inFlight, "the request in flight at SIGTERM is answered")
			assert.True(t, exited, "the container stops after SIGTERM")
		})
	}
}

func TestBuild_SameSourcesSameDigest(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	digest := func(version string) v1.Hash {
		img, err := Build(apps, "go-service", version)
		require.NoError(t, err)
		d, err := img.Digest()
		require.NoError(t, err)
		return d
	}
	first := digest("1.0.0")
	assert.Equal(t, first, digest("1.0.0"))
	assert.NotEqual(t, first, digest("1.0.1"), "the version is baked in")
}

type container struct {
	id, base string
	done     chan error
	log      *strings.Builder
}

// runContainer unpacks the image into a bundle and starts it with runc.
func runContainer(t *testing.T, img v1.Image, instance string) *container {
	t.Helper()
	bundle := t.TempDir()
	rootfs := filepath.Join(bundle, "rootfs")
	require.NoError(t, os.MkdirAll(rootfs, 0o755))
	flat := mutate.Extract(img)
	defer flat.Close()
	untar := exec.Command("tar", "-x", "-C", rootfs)
	untar.Stdin = flat
	out, err := untar.CombinedOutput()
	require.NoError(t, err, string(out))

	configDir := filepath.Join(bundle, "config")
	require.NoError(t, os.MkdirAll(configDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(configDir, "application.properties"), []byte("instance.name="+instance+"\n"), 0o644))

	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	port := freePort(t)
	env := append([]string{}, cfg.Config.Env...)
	env = append(env, "PORT="+strconv.Itoa(port), "CONFIG_FILE=/config/application.properties", "TEST_SLOW_PATH=/in-flight", "DRAIN_SECONDS=10")
	spec := runtimeSpec(cfg.Config.Entrypoint, env, configDir)
	data, err := json.MarshalIndent(spec, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644))

	c := &container{id: fmt.Sprintf("cnpac-%d-%d", os.Getpid(), port), base: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan error, 1), log: &strings.Builder{}}
	cmd := exec.Command("runc", "run", "--bundle", bundle, c.id)
	var mu sync.Mutex
	cmd.Stdout = writerFunc(func(p []byte) { mu.Lock(); c.log.Write(p); mu.Unlock() })
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = exec.Command("runc", "kill", c.id, "KILL").Run()
		<-time.After(200 * time.Millisecond)
		_ = exec.Command("runc", "delete", "--force", c.id).Run()
		if t.Failed() {
			mu.Lock()
			t.Logf("container output:\n%s", c.log.String())
			mu.Unlock()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if status, _ := c.get(t, "/health"); status == http.StatusOK {
			return c
		}
		select {
		case err := <-c.done:
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("the container exited before answering: %v\n%s", err, c.log.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("no answer on /health within 60 s")
	return nil
}

// runtimeSpec is an OCI runtime config with the pod spec's constraints.
func runtimeSpec(args, env []string, configDir string) map[string]any {
	return map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"user": map[string]any{"uid": 10001, "gid": 10001},
			"args": args, "env": env, "cwd": "/",
			"noNewPrivileges": true,
			"capabilities":    map[string]any{"bounding": []string{}, "effective": []string{}, "permitted": []string{}},
		},
		"root":     map[string]any{"path": "rootfs", "readonly": true},
		"hostname": "app",
		"mounts": []any{
			map[string]any{"destination": "/proc", "type": "proc", "source": "proc"},
			map[string]any{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			map[string]any{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": []string{"nosuid", "noexec", "nodev", "ro"}},
			map[string]any{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "nodev", "mode=1777", "size=65536k"}},
			map[string]any{"destination": "/config", "type": "bind", "source": configDir, "options": []string{"rbind", "ro"}},
		},
		"linux": map[string]any{
			"namespaces": []any{map[string]any{"type": "pid"}, map[string]any{"type": "ipc"}, map[string]any{"type": "uts"}, map[string]any{"type": "mount"}},
		},
	}
}

func (c *container) get(t *testing.T, path string) (int, string) {
	client := http.Client{Timeout: 10 * time.Second}
	res, err := client.Get(c.base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (c *container) pid(t *testing.T) int {
	out, err := exec.Command("runc", "state", c.id).Output()
	require.NoError(t, err)
	var state struct{ Pid int }
	require.NoError(t, json.Unmarshal(out, &state))
	return state.Pid
}

func (c *container) termDuringRequest(t *testing.T) (int, bool) {
	answer := make(chan int, 1)
	go func() { status, _ := c.get(t, "/in-flight"); answer <- status }()
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, exec.Command("runc", "kill", c.id, "TERM").Run())
	status := <-answer
	select {
	case <-c.done:
		return status, true
	case <-time.After(15 * time.Second):
		return status, false
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type writerFunc func(p []byte)

func (w writerFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }
