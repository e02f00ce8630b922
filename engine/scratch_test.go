package engine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScratchDirsOfExitedRunsAreSwept(t *testing.T) {
	base := t.TempDir()
	// A process that has exited and been reaped: its pid is free.
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	deadPid := gone.Process.Pid

	mine, err := newScratchDir(base)
	require.NoError(t, err)
	left := filepath.Join(base, fmt.Sprintf("%s%d-123", scratchPrefix, deadPid))
	require.NoError(t, os.MkdirAll(left, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(left, "kubeconfig42"), []byte("token"), 0o600))
	unrelated := filepath.Join(base, scratchPrefix+"not-a-pid")
	require.NoError(t, os.MkdirAll(unrelated, 0o700))

	again, err := newScratchDir(base)
	require.NoError(t, err)
	assert.NoDirExists(t, left, "a killed run's directory, credentials and all, is removed")
	assert.DirExists(t, mine, "a live process's directory is kept")
	assert.DirExists(t, again)
	assert.DirExists(t, unrelated, "a name that does not parse is not ours to remove")

	info, err := os.Stat(again)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "only the run's user reads it")

	s := &Stack{scratch: again}
	require.NoError(t, s.Close())
	assert.NoDirExists(t, again)
	require.NoError(t, s.Close(), "closing twice is harmless")
}
