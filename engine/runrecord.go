package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Checkpoints. By default the engine rewrites the whole state after every
// step of a run, so that a run killed half-way leaves a state that says what
// it did; with a file backend that is a full serialisation and write of the
// state per step, and the cost of an `up` grows with the square of the
// number of resources (make bench-scale). On file backends this package
// turns the per-step writes off (PULUMI_SKIP_CHECKPOINTS: the state is
// written once, when the run ends, whether it succeeds or fails) and keeps a
// run record beside the state instead: written before a run, removed when
// the run has written its state. A record left by a process that is gone is
// how the next run knows that the state may lack objects the killed run
// made, and what it does about it:
//   - up refreshes first and applies everything it declares; Kubernetes
//     objects are applied server-side, so what the killed run made is taken
//     over, not duplicated, and is in the state when the up ends. A Helm
//     release the killed run installed is named with the command that
//     clears Helm's record of it (see helmCommands).
//   - destroy refuses until an up has taken those objects over: it could
//     only delete what the state holds.
//   - preview and drift say that their picture may lack those objects.
// Other backends keep the engine's per-step checkpoints (their pending
// operations are handled by pending.go).

// runRecord says that a run of a stack is in progress, and whose it is.
type runRecord struct {
	Operation string    `json:"operation"`
	Pid       int       `json:"pid"`
	Hostname  string    `json:"hostname"`
	Started   time.Time `json:"started"`
	// HelmListed says that an up already named the Helm releases the killed
	// run may have installed (see helmReleasesToClear), so the next up goes on.
	HelmListed bool `json:"helmListed,omitempty"`
}

func (r runRecord) String() string {
	return fmt.Sprintf("%s (pid %d on %s, started %s)", r.Operation, r.Pid, r.Hostname, r.Started.Format(time.RFC3339))
}

// runRecordPath is where a stack's run record lives, or "" when the backend
// is not a directory on this machine (and per-step checkpoints stay on).
func runRecordPath(backendURL, project, stack string) string {
	u, err := url.Parse(backendURL)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return ""
	}
	return filepath.Join(u.Path, ".cloudnative", "runs", project, stack+".json")
}

// wroteState reports whether a run that started at or after t ended and
// wrote the state; a variable so that tests can answer for the backend.
func (s *Stack) wroteState(ctx context.Context, t time.Time) bool {
	if s.wroteStateFunc != nil {
		return s.wroteStateFunc(ctx, t)
	}
	return s.wroteStateSince(ctx, t)
}

// skipsCheckpoints reports whether this stack's runs write their state once.
func (s *Stack) skipsCheckpoints() bool { return s.recordPath != "" }

// lastRun reads the record a run left, if any, and whether that run is still
// going (its process is alive on this machine).
func (s *Stack) lastRun() (*runRecord, bool, error) {
	if !s.skipsCheckpoints() {
		return nil, false, nil
	}
	data, err := os.ReadFile(s.recordPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var r runRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, false, fmt.Errorf("read the run record %s: %w", s.recordPath, err)
	}
	host, _ := os.Hostname()
	running := r.Hostname == host && r.Pid > 0 && alive(r.Pid)
	// A record of another machine's run cannot be checked; treat it as
	// running and let the engine's lock decide.
	if r.Hostname != host {
		running = true
	}
	return &r, running, nil
}

// beginRun writes this process's run record and returns the record of an
// interrupted run it replaces (nil if the last run ended), and finish, to be
// called with the run's error. A record of a run still going is left alone:
// the engine's lock refuses this run, and finish then does nothing.
func (s *Stack) beginRun(operation string) (interrupted *runRecord, finish func(context.Context, error), err error) {
	noop := func(context.Context, error) {}
	if !s.skipsCheckpoints() {
		return nil, noop, nil
	}
	last, running, err := s.lastRun()
	if err != nil {
		return nil, noop, err
	}
	if running {
		return nil, noop, nil
	}
	host, _ := os.Hostname()
	mine := runRecord{Operation: operation, Pid: os.Getpid(), Hostname: host, Started: time.Now().UTC()}
	if err := s.writeRecord(mine); err != nil {
		return nil, noop, err
	}
	finish = func(ctx context.Context, runErr error) {
		// A failed run normally writes its state too; only a CLI that was
		// killed does not, and then the record must stay.
		if runErr != nil && !s.wroteState(ctx, mine.Started) {
			return
		}
		_ = os.Remove(s.recordPath)
	}
	return last, finish, nil
}

// writeRecord replaces the stack's run record atomically.
func (s *Stack) writeRecord(r runRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.recordPath), 0o755); err != nil {
		return err
	}
	tmp := s.recordPath + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.recordPath)
}

// wroteStateSince reports whether a run that started at or after t ended and
// recorded its result (the backend's history is written after the state).
func (s *Stack) wroteStateSince(ctx context.Context, t time.Time) bool {
	history, err := s.Stack.History(ctx, 1, 1)
	if err != nil || len(history) == 0 {
		return false
	}
	started, err := time.Parse(time.RFC3339, history[0].StartTime)
	return err == nil && !started.Before(t.Truncate(time.Second)) && history[0].EndTime != nil
}
