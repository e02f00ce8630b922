package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func recordStack(t *testing.T) *Stack {
	t.Helper()
	backend := "file://" + t.TempDir()
	return &Stack{name: "dev", backend: backend, recordPath: runRecordPath(backend, ProjectName, "dev")}
}

// deadPid is the pid of a process that has ended.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func writeRecord(t *testing.T, s *Stack, r runRecord) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(s.recordPath), 0o755))
	require.NoError(t, os.WriteFile(s.recordPath, []byte(`{"operation":"`+r.Operation+`","pid":`+itoa(r.Pid)+`,"hostname":"`+r.Hostname+`","started":"2026-12-01T10:00:00Z"}`), 0o644))
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRunRecord_OnlyFileBackendsSkipCheckpoints(t *testing.T) {
	assert.NotEmpty(t, runRecordPath("file:///var/state", ProjectName, "dev"))
	assert.Empty(t, runRecordPath("s3://bucket/state", ProjectName, "dev"))
	assert.Empty(t, runRecordPath("https://api.pulumi.com", ProjectName, "dev"))
}

func TestRunRecord_ASuccessfulRunLeavesNoRecord(t *testing.T) {
	s := recordStack(t)
	interrupted, finish, err := s.beginRun("up")
	require.NoError(t, err)
	assert.Nil(t, interrupted)
	last, running, err := s.lastRun()
	require.NoError(t, err)
	require.NotNil(t, last, "the record is written before the run")
	assert.True(t, running, "this process is alive")
	finish(context.Background(), nil)
	assert.NoFileExists(t, s.recordPath)
}

func TestRunRecord_AKilledRunIsReportedToTheNext(t *testing.T) {
	s := recordStack(t)
	host, _ := os.Hostname()
	writeRecord(t, s, runRecord{Operation: "up", Pid: deadPid(t), Hostname: host})

	last, running, err := s.lastRun()
	require.NoError(t, err)
	require.NotNil(t, last)
	assert.False(t, running)

	interrupted, finish, err := s.beginRun("up")
	require.NoError(t, err)
	require.NotNil(t, interrupted)
	assert.Equal(t, "up", interrupted.Operation)
	mine, running, err := s.lastRun()
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), mine.Pid, "the new run's record replaces the dead one's")
	assert.True(t, running)
	finish(context.Background(), nil)
	assert.NoFileExists(t, s.recordPath)
}

func TestRunRecord_ALiveRunsRecordIsLeftAlone(t *testing.T) {
	s := recordStack(t)
	host, _ := os.Hostname()
	// Another run of this stack, still going (this test process stands in for it).
	writeRecord(t, s, runRecord{Operation: "up", Pid: os.Getppid(), Hostname: host})
	before, err := os.ReadFile(s.recordPath)
	require.NoError(t, err)

	interrupted, finish, err := s.beginRun("up")
	require.NoError(t, err)
	assert.Nil(t, interrupted, "a run still going was not interrupted")
	finish(context.Background(), errors.New("locked"))
	after, err := os.ReadFile(s.recordPath)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "the live run's record is neither replaced nor removed")
}

func TestRunRecord_AFailedRunKeepsItsRecordOnlyIfItNeverWroteTheState(t *testing.T) {
	for _, wrote := range []bool{true, false} {
		s := recordStack(t)
		var asked time.Time
		s.wroteStateFunc = func(_ context.Context, since time.Time) bool { asked = since; return wrote }
		_, finish, err := s.beginRun("up")
		require.NoError(t, err)
		finish(context.Background(), errors.New("a resource failed"))
		assert.False(t, asked.IsZero(), "the backend is asked whether the failed run wrote the state")
		if wrote {
			assert.NoFileExists(t, s.recordPath, "a run that failed but wrote its state ended")
		} else {
			assert.FileExists(t, s.recordPath, "a CLI killed before writing the state leaves the record")
		}
	}
}

func TestHelmClearCommand(t *testing.T) {
	assert.Equal(t, "kubectl -n istio-system delete secret -l owner=helm,name=istiod",
		helmClearCommand("installation failed: cannot re-use a name that is still in use", "istio-system", "istiod"))
	assert.Equal(t, "kubectl -n istio-system delete secret -l owner=helm,name=istiod,status=pending-upgrade",
		helmClearCommand("another operation (install/upgrade/rollback) is in progress", "istio-system", "istiod"))
	assert.Empty(t, helmClearCommand("timed out waiting for the condition", "istio-system", "istiod"))
}

func TestHelmRefusals_NameTheReleaseFromTheUpsEvents(t *testing.T) {
	stream := make(chan events.EngineEvent, 3)
	urn := "urn:pulumi:dev::cloudnative::cloudnative:mesh:Istio$kubernetes:helm.sh/v3:Release::istio-istiod"
	stream <- events.EngineEvent{EngineEvent: apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{
		Metadata: apitype.StepEventMetadata{URN: urn, Type: helmReleaseType,
			New: &apitype.StepEventStateMetadata{Inputs: map[string]any{"name": "istiod", "namespace": "istio-system"}}}}}}
	stream <- events.EngineEvent{EngineEvent: apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{
		URN: urn, Severity: "error", Message: "failed to create chart: cannot re-use a name that is still in use"}}}
	close(stream)
	h := newHelmRefusals()
	h.watch(stream)
	err := h.explain("dev", errors.New("update failed"))
	assert.ErrorContains(t, err, "kubectl -n istio-system delete secret -l owner=helm,name=istiod")
	assert.NoError(t, h.explain("dev", nil))
}
