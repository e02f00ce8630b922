package engine

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeLock(t *testing.T, dir string, pid int, host string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	data, err := json.Marshal(lock{Pid: pid, Hostname: host, Timestamp: time.Now()})
	require.NoError(t, err)
	file := filepath.Join(dir, "lock-"+host+".json")
	require.NoError(t, os.WriteFile(file, data, 0o644))
	return file
}

func TestReleaseStaleLocks_OnlyThoseOfGoneProcessesHere(t *testing.T) {
	state := t.TempDir()
	host, err := os.Hostname()
	require.NoError(t, err)
	// A process that has ended: its pid is free.
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	dir := filepath.Join(state, ".pulumi", "locks", "organization", "cloudnative", "dev")
	stale := writeLock(t, dir, gone.Process.Pid, host)
	live := writeLock(t, filepath.Join(state, ".pulumi", "locks", "organization", "cloudnative", "staging"), os.Getpid(), host)
	elsewhere := writeLock(t, dir, gone.Process.Pid, "another-machine")

	var out bytes.Buffer
	require.NoError(t, releaseStaleLocks("file://"+state, "cloudnative", "dev", &out))
	assert.NoFileExists(t, stale, "a lock whose process is gone is removed")
	assert.FileExists(t, elsewhere, "another machine's lock is not ours to judge")
	assert.Contains(t, out.String(), "Removed the lock of a run of stack dev that is gone")

	require.NoError(t, releaseStaleLocks("file://"+state, "cloudnative", "staging", &out))
	assert.FileExists(t, live, "a live process keeps its lock")

	require.NoError(t, releaseStaleLocks("s3://bucket/state", "cloudnative", "dev", &out), "other backends are left alone")
}

// A run killed with its parent stays a zombie until the machine's init reaps
// it: it answers signal 0, yet holds nothing, so its lock is stale.
func TestReleaseStaleLocks_AZombieHoldsNoLock(t *testing.T) {
	state := t.TempDir()
	host, err := os.Hostname()
	require.NoError(t, err)
	zombie := exec.Command("true")
	require.NoError(t, zombie.Start())
	t.Cleanup(func() { _ = zombie.Wait() })
	// Not waited for: once it exits it is a zombie until Wait reaps it.
	require.Eventually(t, func() bool { return exited(zombie.Process.Pid) }, 5*time.Second, 10*time.Millisecond)
	lockFile := writeLock(t, filepath.Join(state, ".pulumi", "locks", "organization", "cloudnative", "dev"), zombie.Process.Pid, host)

	var out bytes.Buffer
	require.NoError(t, releaseStaleLocks("file://"+state, "cloudnative", "dev", &out))
	assert.NoFileExists(t, lockFile, "a zombie's lock is removed")
	assert.True(t, alive(os.Getpid()), "a running process is alive")
}
