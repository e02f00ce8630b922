package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// lock is what a file-backend lock holds: who took it, where, when.
type lock struct {
	Pid       int       `json:"pid"`
	Hostname  string    `json:"hostname"`
	Timestamp time.Time `json:"timestamp"`
}

// releaseStaleLocks removes the stack's locks that a run on this machine took
// and left behind when it was killed: its process is gone, so no run holds
// them. A lock of a live process, or of another machine, is left alone and
// the engine refuses the run as it would. Only file:// backends keep locks
// as files; other backends are not touched.
func releaseStaleLocks(backendURL, project, stack string, out io.Writer) error {
	u, err := url.Parse(backendURL)
	if err != nil || u.Scheme != "file" {
		return nil
	}
	root := filepath.Join(u.Path, ".pulumi", "locks")
	// Project-scoped stacks lock under <org>/<project>/<stack>, older ones under <stack>.
	patterns := []string{filepath.Join(root, "*", project, stack, "*.json"), filepath.Join(root, stack, "*.json")}
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	for _, pattern := range patterns {
		files, err := filepath.Glob(pattern)
		if err != nil {
			return err
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			var l lock
			if json.Unmarshal(data, &l) != nil || l.Hostname != host || l.Pid <= 0 || alive(l.Pid) {
				continue
			}
			if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			fmt.Fprintf(out, "Removed the lock of a run of stack %s that is gone (pid %d, started %s): it was killed before it could release it.\n",
				stack, l.Pid, l.Timestamp.Format(time.RFC3339))
		}
	}
	return nil
}

// alive reports whether a process with this pid runs on this machine. A
// killed process that nobody has reaped yet (a zombie: its parent was killed
// with it, and the machine's init reaps when it gets to it) still answers
// signal 0, but holds nothing any more.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !exited(pid)
}

// exited reads the process's state from /proc: Z (zombie) or X (dead).
func exited(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false // no /proc here: trust the signal
	}
	// The state follows the command name, which is in parentheses and may
	// itself hold spaces or parentheses.
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	fields := strings.Fields(string(rest))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}
