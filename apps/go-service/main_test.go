package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps/internal/apptest"
	"github.com/cloudnative-pac/platform/internal/appbuild"
)

// The binary as the image carries it: version linked in, config from the
// mount, a clean stop on SIGTERM that finishes the request in flight.
func TestGoService_Binary(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "go-service")
	require.NoError(t, appbuild.GoBinary(apps, "go-service", "1.4.2", bin))

	p := apptest.Start(t, "One", bin)
	id := p.Identity("/goservice")
	assert.Equal(t, "go-service", id.Service)
	assert.Equal(t, "1.4.2", id.Version)
	assert.Equal(t, "One", id.Instance)
	assert.Equal(t, "/goservice", id.Path)

	status, exit, accepted := p.TermDuringRequest()
	assert.Equal(t, http.StatusOK, status, "the request in flight at SIGTERM is answered")
	assert.NoError(t, exit, "the process exits cleanly")
	assert.False(t, accepted, "no connection is taken after SIGTERM")
	assert.Contains(t, p.Log(), "go-service GET /goservice 200")
	assert.Contains(t, p.Log(), "go-service stopped")
}

// Deployed under another name (the platform sets SERVICE_NAME), it answers
// with that name: config-service runs this image.
func TestGoService_AnswersWithTheNameItIsDeployedAs(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "go-service")
	require.NoError(t, appbuild.GoBinary(apps, "go-service", "1.0.0", bin))

	t.Setenv("SERVICE_NAME", "config-service")
	p := apptest.Start(t, "One", bin)
	assert.Equal(t, "config-service", p.Identity("/").Service)
	// The request's log line is written once the answer has gone out.
	assert.Eventually(t, func() bool { return strings.Contains(p.Log(), "config-service GET / 200") }, 5*time.Second, 20*time.Millisecond, p.Log())
}

// Its request metrics, with and without the faults a test image carries.
func TestGoService_MeasuresItsRequests(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "go-service")
	require.NoError(t, appbuild.GoBinary(apps, "go-service", "1.0.0", bin))
	apptest.AssertMeasuresRequests(t, bin)
}
