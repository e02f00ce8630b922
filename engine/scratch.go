package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The Kubernetes provider writes the cluster's kubeconfig, credentials
// included, to a new file in $TMPDIR each time it is configured (for Helm)
// and never removes it: one file per provider per run, left readable by its
// owner for good. So every run of ours gives the engine, and through it the
// provider, a private $TMPDIR of its own, removed when the run's Stack is
// closed; a directory a killed run left is removed by the next Open on this
// machine, once its process is gone.

// scratchPrefix starts the name of every run's private temporary directory;
// the owning process's pid follows it.
const scratchPrefix = "cloudnative-run-"

// newScratchDir makes the calling process's private temporary directory
// under base (os.TempDir()), after removing those of processes that are gone.
func newScratchDir(base string) (string, error) {
	sweepScratchDirs(base)
	return os.MkdirTemp(base, fmt.Sprintf("%s%d-", scratchPrefix, os.Getpid()))
}

// sweepScratchDirs removes the temporary directories of runs whose process
// has exited. A directory whose name does not parse is left alone.
func sweepScratchDirs(base string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, ok := scratchOwner(e.Name())
		if !ok || !e.IsDir() || alive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(base, e.Name()))
	}
}

// scratchOwner is the pid in a scratch directory's name.
func scratchOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, scratchPrefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}

// Close removes the run's private temporary directory, and with it every
// kubeconfig copy the provider wrote there. The Stack is not used after.
func (s *Stack) Close() error {
	if s.scratch == "" {
		return nil
	}
	err := os.RemoveAll(s.scratch)
	s.scratch = ""
	return err
}
