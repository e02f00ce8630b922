package httpapp

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadProperties_AsJavaWritesThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "application.properties")
	require.NoError(t, os.WriteFile(path, []byte("# comment\n! also\ninstance.name = One\ngreeting.message:Hello there\n\n"), 0o644))
	props, err := ReadProperties(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"instance.name": "One", "greeting.message": "Hello there"}, props)

	props, err = ReadProperties(filepath.Join(t.TempDir(), "missing"))
	require.NoError(t, err)
	assert.Empty(t, props, "no mounted config reads as empty")
}

func TestIdentityHandler_NameVersionInstanceAndPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "application.properties")
	require.NoError(t, os.WriteFile(path, []byte("instance.name=Two\n"), 0o644))
	h := Routes(IdentityHandler("go-service", "1.2.3", path), Settings{})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/goservice/x", nil))
	assert.JSONEq(t, `{"service":"go-service","version":"1.2.3","instance":"Two","path":"/goservice/x"}`, rec.Body.String())

	// The file is read per request: a config change shows without a restart.
	require.NoError(t, os.WriteFile(path, []byte("instance.name=Three\n"), 0o644))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Contains(t, rec.Body.String(), `"instance":"Three"`)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	assert.Equal(t, "ok\n", rec.Body.String())
}

func TestLogged_OneLinePerRequest(t *testing.T) {
	var out strings.Builder
	h := Logged("go-service", http.NotFoundHandler(), log.New(&out, "", 0))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/nope", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/again", nil))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	assert.True(t, strings.HasPrefix(lines[0], "go-service GET /nope 404 "), lines[0])
}

// A stop lets the request in flight finish and takes no new connection.
func TestServe_StopFinishesRequestsInFlight(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	started := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		time.Sleep(time.Second)
		_, _ = io.WriteString(w, "finished")
	})
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, l, slow, 10*time.Second) }()

	answer := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + l.Addr().String() + "/")
		if err != nil {
			answer <- err.Error()
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		answer <- string(body)
	}()
	<-started
	stop()
	assert.Equal(t, "finished", <-answer)
	require.NoError(t, <-served)
	_, err = net.DialTimeout("tcp", l.Addr().String(), time.Second)
	assert.Error(t, err, "no connection is taken after the stop")
}

func TestRoutes_HealthFailsOnlyWhenToldTo(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("app")) })
	for _, c := range []struct {
		unhealthy bool
		status    int
	}{{false, http.StatusOK}, {true, http.StatusServiceUnavailable}} {
		rec := httptest.NewRecorder()
		Routes(app, Settings{Unhealthy: c.unhealthy}).ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
		assert.Equal(t, c.status, rec.Code, "unhealthy=%v", c.unhealthy)
		rec = httptest.NewRecorder()
		Routes(app, Settings{Unhealthy: c.unhealthy}).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		assert.Equal(t, http.StatusOK, rec.Code, "the service itself still answers")
	}
	t.Setenv("TEST_UNHEALTHY", "1")
	assert.True(t, FromEnv().Unhealthy)
}
