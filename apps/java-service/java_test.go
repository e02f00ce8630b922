// Package javaservice holds the Go test that drives the Java service over HTTP:
// built with the JDK's javac and jar, run with java, as its image runs it.
package javaservice

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps/internal/apptest"
	"github.com/cloudnative-pac/platform/internal/appbuild"
)

func TestJavaService_Jar(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	jar := filepath.Join(t.TempDir(), "java-service.jar")
	require.NoError(t, appbuild.JavaJar(apps, "2.0.0", jar))

	t.Setenv("SERVICE_NAME", "")
	p := apptest.Start(t, "Two", "java", "-XX:+UseSerialGC", "-jar", jar)
	id := p.Identity("/javaservice")
	assert.Equal(t, "java-service", id.Service)
	assert.Equal(t, "2.0.0", id.Version)
	assert.Equal(t, "Two", id.Instance)
	assert.Equal(t, "/javaservice", id.Path)

	status, body, err := p.Get("/health")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok\n", body)

	status, exit, accepted := p.TermDuringRequest()
	assert.Equal(t, http.StatusOK, status, "the request in flight at SIGTERM is answered")
	assert.False(t, accepted, "no connection is taken after SIGTERM")
	// The JVM exits with 143 (128+SIGTERM) once its shutdown hook has run.
	var exitErr *exec.ExitError
	if assert.ErrorAs(t, exit, &exitErr) {
		assert.Equal(t, 143, exitErr.ExitCode())
	}
	assert.Contains(t, p.Log(), "java-service stopped")
	assert.Contains(t, p.Log(), "java-service GET /javaservice 200")

	// Deployed under another name (the platform sets SERVICE_NAME), it says so.
	t.Setenv("SERVICE_NAME", "orders")
	renamed := apptest.Start(t, "Two", "java", "-XX:+UseSerialGC", "-jar", jar)
	assert.Equal(t, "orders", renamed.Identity("/").Service)
}

// Its request metrics, written by hand, read by Prometheus' parser and held
// to the names, labels and buckets the Go services use.
func TestJavaService_MeasuresItsRequests(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	jar := filepath.Join(t.TempDir(), "java-service.jar")
	require.NoError(t, appbuild.JavaJar(apps, "2.0.0", jar))
	apptest.AssertMeasuresRequests(t, "java", "-XX:+UseSerialGC", "-jar", jar)
}
