// Package apptest runs a built sample service as a process on 127.0.0.1 and
// talks to it as the cluster would: the health check, the identity answer, and
// SIGTERM while a request is in flight.
package apptest

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
	"syscall"
	"testing"
	"time"

	"github.com/cloudnative-pac/platform/apps/internal/httpapp"
)

// Process is a running service.
type Process struct {
	t    *testing.T
	cmd  *exec.Cmd
	Base string
	log  *lockedBuffer
	done chan error
}

// SlowPath is the path a service under test holds for two seconds.
const SlowPath = "/in-flight"

// Start runs argv with PORT, CONFIG_FILE (a file with the instance name) and
// TEST_SLOW_PATH set, and waits for /health.
func Start(t *testing.T, instance string, argv ...string) *Process {
	t.Helper()
	config := filepath.Join(t.TempDir(), "application.properties")
	if err := os.WriteFile(config, []byte("# mounted\n"+httpapp.InstanceKey+"="+instance+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	p := &Process{t: t, Base: "http://127.0.0.1:" + strconv.Itoa(port), log: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "CONFIG_FILE="+config, "TEST_SLOW_PATH="+SlowPath, "DRAIN_SECONDS=10")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("service output:\n%s", p.log.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(p.Base + "/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("the service exited before answering /health: %v\n%s", err, p.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer on /health within 30 s\n%s", p.log.String())
		}
	}
}

// Get fetches a path and returns status and body.
func (p *Process) Get(path string) (int, string, error) {
	res, err := http.Get(p.Base + path)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

// Identity fetches a path and decodes the identity answer.
func (p *Process) Identity(path string) httpapp.Identity {
	p.t.Helper()
	status, body, err := p.Get(path)
	if err != nil || status != http.StatusOK {
		p.t.Fatalf("GET %s: %d %v %s", path, status, err, body)
	}
	var id httpapp.Identity
	if err := json.Unmarshal([]byte(body), &id); err != nil {
		p.t.Fatalf("GET %s: %v: %s", path, err, body)
	}
	return id
}

// TermDuringRequest sends SIGTERM while a slow request is in flight and
// returns that request's status, the process's exit error and whether a new
// connection was still accepted after the signal.
func (p *Process) TermDuringRequest() (inFlightStatus int, exit error, acceptedAfter bool) {
	p.t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		status, _, _ := p.Get(SlowPath)
		inFlightStatus = status
	}()
	time.Sleep(500 * time.Millisecond) // the request is being served
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(p.Base, "http://"), time.Second); err == nil {
		acceptedAfter = true
		conn.Close()
	}
	wg.Wait()
	select {
	case exit = <-p.done:
	case <-time.After(15 * time.Second):
		exit = fmt.Errorf("still running 15 s after SIGTERM")
	}
	return inFlightStatus, exit, acceptedAfter
}

// Log is what the service printed.
func (p *Process) Log() string { return p.log.String() }

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
