package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps/internal/apptest"
	"github.com/cloudnative-pac/platform/internal/appbuild"
)

func TestPage_SaysWhoServedItAndAsksTheBackends(t *testing.T) {
	config := filepath.Join(t.TempDir(), "application.properties")
	require.NoError(t, os.WriteFile(config, []byte("instance.name=<Two>\n"), 0o644))
	rec := httptest.NewRecorder()
	handler("html-frontend", "1.1.0", config, seedBackends, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/javaservice/", nil))

	body := rec.Body.String()
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Contains(t, body, "service=html-frontend version=1.1.0 instance=&lt;Two&gt;", "escaped as HTML")
	for _, b := range seedBackends {
		assert.Contains(t, body, `data-name="`+b.Name+`" data-gateway-path="`+b.GatewayPath+`"`)
	}
}

// askedOf calls the frontend's in-cluster ask for one backend.
func askedOf(t *testing.T, name string, address addressOf) (int, asked) {
	t.Helper()
	rec := httptest.NewRecorder()
	handler("html-frontend", "1.1.0", "", seedBackends, address).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, backendPath+name, nil))
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), "always JSON, so the page never parses anything else")
	var a asked
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &a), rec.Body.String())
	return rec.Code, a
}

func TestAskBackend_PassesOnTheAnswerAndSaysWhere(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"service":"go-service","version":"1.0.0"}`))
	}))
	defer backend.Close()
	address := func(string) string { return strings.TrimPrefix(backend.URL, "http://") }

	status, a := askedOf(t, "go-service", address)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"service":"go-service","version":"1.0.0"}`, string(a.Answer))
	assert.Equal(t, backend.URL+"/", a.Via)
}

func TestAskBackend_SaysWhyThereIsNoAnswer(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html>"))
	}))
	defer page.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for name, c := range map[string]struct {
		address string
		says    string
	}{
		"java-service": {strings.TrimPrefix(page.URL, "http://"), `"text/html", not JSON`},
		"go-service":   {strings.TrimPrefix(closed.URL, "http://"), "connection refused"},
	} {
		status, a := askedOf(t, name, func(string) string { return c.address })
		assert.Equal(t, http.StatusBadGateway, status, name)
		assert.Contains(t, a.Error, c.says, name)
		assert.Empty(t, a.Answer, name)
	}
	status, a := askedOf(t, "kube-apiserver", func(string) string { return "" })
	assert.Equal(t, http.StatusNotFound, status, "only the page's backends are asked")
	assert.Contains(t, a.Error, "not a backend")
}

func TestEnvironmentAddress_ServiceLinksElseDNS(t *testing.T) {
	t.Setenv("GO_SERVICE_SERVICE_HOST", "198.18.0.7")
	t.Setenv("GO_SERVICE_SERVICE_PORT", "80")
	assert.Equal(t, "198.18.0.7:80", environmentAddress("go-service"))
	assert.Equal(t, "java-service:80", environmentAddress("java-service"))
}

func TestHTMLFrontend_Binary(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "html-frontend")
	require.NoError(t, appbuild.GoBinary(apps, "html-frontend", "1.1.0", bin))

	t.Setenv("SERVICE_NAME", "")
	p := apptest.Start(t, "One", bin)
	status, body, err := p.Get("/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.True(t, strings.Contains(body, "service=html-frontend version=1.1.0 instance=One"), body)

	status, exit, accepted := p.TermDuringRequest()
	assert.Equal(t, http.StatusOK, status)
	assert.NoError(t, exit)
	assert.False(t, accepted)
}
