package main

import (
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
	pageHandler("1.1.0", config).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))

	body := rec.Body.String()
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Contains(t, body, "service=html-frontend version=1.1.0 instance=&lt;Two&gt;", "escaped as HTML")
	for _, path := range backends {
		assert.Contains(t, body, `data-path="`+path+`"`)
	}
}

func TestHTMLFrontend_Binary(t *testing.T) {
	apps, err := appbuild.AppsDir(".")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "html-frontend")
	require.NoError(t, appbuild.GoBinary(apps, "html-frontend", "1.1.0", bin))

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
