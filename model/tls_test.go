package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/localca"
)

// writePair writes a certificate for hosts into dir as tls.crt and tls.key.
func writePair(t *testing.T, dir string, hosts []string, notBefore time.Time) {
	t.Helper()
	pair, err := localca.IssueAt("test", hosts, notBefore, 24*time.Hour)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.crt"), pair.CertificatePEM, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.key"), pair.KeyPEM, 0o600))
}

func TestTLS_SourcesAreDecoded(t *testing.T) {
	dir := projectDir(t)
	writePair(t, dir, []string{"shop.example.com", "*.apps.example.com"}, time.Now().Add(-time.Hour))

	f := validFixture()
	f.app["hosts"] = []string{"shop.example.com", "*.apps.example.com"}
	f.app["tls"] = map[string]any{"certificateFile": "tls.crt", "keyFile": "tls.key", "hstsMaxAgeSeconds": 600}
	p, err := Decode(f.raw(t), dir)
	require.NoError(t, err)
	tls := p.App.TLS
	assert.True(t, tls.Enabled)
	assert.Equal(t, SourceFiles, tls.Source)
	assert.Equal(t, "shop-gateway-tls", tls.SecretName)
	assert.True(t, tls.RedirectHTTP, "port 80 redirects by default")
	assert.Equal(t, 600, tls.HSTSMaxAgeSeconds)
	assert.Contains(t, tls.KeyPEM, "PRIVATE KEY")
	assert.False(t, p.CertManager.Install, "no issuer, no cert-manager")

	f = validFixture()
	f.app["hosts"] = []string{"shop.example.com"}
	f.app["tls"] = map[string]any{"issuer": map[string]any{"acme": map[string]any{"email": "ops@example.com"}}, "http": "serve"}
	f.extra = map[string]any{"certManager": map[string]any{"version": "v1.18.2"}}
	p, err = Decode(f.raw(t), dir)
	require.NoError(t, err)
	assert.Equal(t, SourceIssuer, p.App.TLS.Source)
	assert.Equal(t, Issuer{Kind: IssuerACME, ACMEEmail: "ops@example.com", ACMEServer: DefaultACMEServer}, p.App.TLS.Issuer)
	assert.True(t, p.App.TLS.ACMEHTTP01())
	assert.False(t, p.App.TLS.RedirectHTTP)
	assert.Equal(t, CertManager{Install: true, Namespace: DefaultCertManagerNamespace, Repository: DefaultCertManagerRepository, Version: "v1.18.2"}, p.CertManager)

	f = validFixture()
	f.app["hosts"] = []string{"shop.example.com"}
	f.app["tls"] = map[string]any{"secretName": "shop-cert"}
	p, err = Decode(f.raw(t), dir)
	require.NoError(t, err)
	assert.Equal(t, TLS{Enabled: true, SecretName: "shop-cert", Source: SourceSecret, RedirectHTTP: true}, p.App.TLS)
}

func TestTLS_BadConfigIsNamed(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(f *fixture, dir string)
		wants []string
	}{
		{"the catch-all host with a certificate", func(f *fixture, dir string) {
			f.app["tls"] = map[string]any{"secretName": "shop-cert"}
		}, []string{`app.hosts[0]: no certificate can name the host "*"`}},
		{"no certificate at all", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"http": "redirect"}
		}, []string{"app.tls: names no certificate"}},
		{"an issuer of no kind", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"issuer": map[string]any{}}
		}, []string{"app.tls.issuer: names no issuer"}},
		{"two issuers", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"issuer": map[string]any{"selfSigned": map[string]any{}, "ca": map[string]any{"secretName": "ca"}}}
		}, []string{"app.tls.issuer: names 2 issuers"}},
		{"a CA issuer without its key pair", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"issuer": map[string]any{"ca": map[string]any{}}}
		}, []string{"app.tls.issuer.ca.secretName: is required"}},
		{"ACME HTTP-01 with a wildcard host", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com", "*.apps.example.com"}
			f.app["tls"] = map[string]any{"issuer": map[string]any{"acme": map[string]any{"email": "ops@example.com"}}}
		}, []string{`app.hosts[1]: "*.apps.example.com" is a wildcard: an ACME server proves a wildcard only over DNS-01`}},
		{"ACME without an email, on plain HTTP", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"issuer": map[string]any{"acme": map[string]any{"server": "http://acme.example.com/dir"}}}
		}, []string{"app.tls.issuer.acme.email: must be", "app.tls.issuer.acme.server: must be the ACME directory's https URL"}},
		{"a certificate that does not cover a host", func(f *fixture, dir string) {
			writePair(t, dir, []string{"shop.example.com"}, time.Now().Add(-time.Hour))
			f.app["hosts"] = []string{"shop.example.com", "api.example.com"}
			f.app["tls"] = map[string]any{"certificateFile": "tls.crt", "keyFile": "tls.key"}
		}, []string{`app.hosts[1]: "api.example.com" is not covered by`}},
		{"a wildcard host under a certificate of one name", func(f *fixture, dir string) {
			writePair(t, dir, []string{"a.apps.example.com"}, time.Now().Add(-time.Hour))
			f.app["hosts"] = []string{"*.apps.example.com"}
			f.app["tls"] = map[string]any{"certificateFile": "tls.crt", "keyFile": "tls.key"}
		}, []string{`app.hosts[0]: "*.apps.example.com" is not covered`}},
		{"an expired certificate", func(f *fixture, dir string) {
			writePair(t, dir, []string{"shop.example.com"}, time.Now().Add(-48*time.Hour))
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"certificateFile": "tls.crt", "keyFile": "tls.key"}
		}, []string{"app.tls.certificateFile: is valid from"}},
		{"a certificate without its key", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"certificateFile": "tls.crt"}
		}, []string{"app.tls: certificateFile and keyFile go together"}},
		{"files and an issuer", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"certificateFile": "tls.crt", "keyFile": "tls.key", "issuer": map[string]any{"selfSigned": map[string]any{}}}
		}, []string{"app.tls: set either certificateFile and keyFile or issuer"}},
		{"an unknown port-80 mode and a negative HSTS age", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"secretName": "c", "http": "drop", "hstsMaxAgeSeconds": -1}
		}, []string{`app.tls.http: must be one of redirect, serve, got "drop"`, "app.tls.hstsMaxAgeSeconds: must be 0"}},
		{"cert-manager settings without an issuer", func(f *fixture, dir string) {
			f.extra = map[string]any{"certManager": map[string]any{"version": "v1.19.1"}}
		}, []string{"cloudnative:certManager: is read only with app.tls.issuer"}},
		{"cert-manager in the application's namespace", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"issuer": map[string]any{"selfSigned": map[string]any{}}}
			f.extra = map[string]any{"certManager": map[string]any{"namespace": "shop"}}
		}, []string{`cloudnative:certManager.namespace: "shop" is already owned`}},
		{"an unpinned cert-manager chart", func(f *fixture, dir string) {
			f.app["hosts"] = []string{"shop.example.com"}
			f.app["tls"] = map[string]any{"issuer": map[string]any{"selfSigned": map[string]any{}}}
			f.extra = map[string]any{"certManager": map[string]any{"version": "latest"}}
		}, []string{"cloudnative:certManager.version: must pin an exact chart version"}},
		{"a production stack on plain HTTP", func(f *fixture, dir string) {
			f.extra = map[string]any{"production": true}
		}, []string{"cloudnative:app.tls: is required in production"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := projectDir(t)
			f := validFixture()
			c.edit(&f, dir)
			err := decodeRefused(t, f.raw(t), dir)
			for _, want := range c.wants {
				assert.Contains(t, err.Error(), want)
			}
			if t.Failed() {
				t.Log(strings.TrimSpace(err.Error()))
			}
		})
	}
}
