package model

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudnative-pac/platform/names"
)

// HTTPS at the edge: the ingress gateway serves the stack's hosts on 443 with
// a certificate from a kubernetes.io/tls Secret in the gateway's namespace
// (Istio's credentialName). The Secret is one that exists already, one the
// program writes from certificate files, or one cert-manager keeps issued.

// TLS is how the ingress gateway serves HTTPS. The zero value (no app.tls)
// serves plain HTTP on 80 only.
type TLS struct {
	Enabled bool
	// SecretName is the Secret the gateway reads, in the gateway's namespace.
	SecretName string
	// Source says who makes that Secret.
	Source CertificateSource
	// CertificatePEM and KeyPEM are the files' contents (SourceFiles).
	CertificatePEM string
	KeyPEM         string
	// Issuer is cert-manager's issuer (SourceIssuer).
	Issuer Issuer
	// RedirectHTTP makes port 80 answer every request with a redirect to
	// HTTPS; false serves the routes on 80 too, for stacks whose TLS ends in
	// front of the gateway.
	RedirectHTTP bool
	// HSTSMaxAgeSeconds, when positive, adds Strict-Transport-Security to
	// every response through the gateway.
	HSTSMaxAgeSeconds int
}

// CertificateSource is who makes the gateway's certificate Secret.
type CertificateSource string

const (
	// SourceSecret: the Secret exists; the program only names it.
	SourceSecret CertificateSource = "secret"
	// SourceFiles: the program writes the Secret from PEM files.
	SourceFiles CertificateSource = "files"
	// SourceIssuer: cert-manager issues it from the stack's Issuer.
	SourceIssuer CertificateSource = "issuer"
)

// IssuerKind is the kind of certificate authority cert-manager asks.
type IssuerKind string

const (
	IssuerSelfSigned IssuerKind = "selfSigned"
	IssuerCA         IssuerKind = "ca"
	IssuerACME       IssuerKind = "acme"
)

// Issuer is the cert-manager Issuer of the gateway's certificate, namespaced
// in the gateway's namespace (no cluster-wide issuer is written).
type Issuer struct {
	Kind IssuerKind
	// CASecretName is the CA's key pair Secret in the gateway's namespace.
	CASecretName string
	// ACMEEmail and ACMEServer register the ACME account; challenges are
	// answered over HTTP-01 through the gateway itself.
	ACMEEmail  string
	ACMEServer string
}

// CertManager is cert-manager's installation, read when an issuer is set.
type CertManager struct {
	// Install is false when the cluster already runs cert-manager.
	Install    bool
	Namespace  string
	ChartDir   string
	Repository string
	Version    string
}

// ACMEHTTP01 reports whether certificates are proven over HTTP-01, so the
// gateway must answer the challenge path on port 80.
func (t TLS) ACMEHTTP01() bool {
	return t.Enabled && t.Source == SourceIssuer && t.Issuer.Kind == IssuerACME
}

// ACMEChallengePath is where an ACME server asks for an HTTP-01 token.
const ACMEChallengePath = "/.well-known/acme-challenge/"

// MaxACMEHosts is Let's Encrypt's limit on names in one certificate.
const MaxACMEHosts = 100

type rawTLS struct {
	SecretName        string     `json:"secretName"`
	CertificateFile   string     `json:"certificateFile"`
	KeyFile           string     `json:"keyFile"`
	Issuer            *rawIssuer `json:"issuer"`
	HTTP              string     `json:"http"`
	HSTSMaxAgeSeconds *int       `json:"hstsMaxAgeSeconds"`
}

type rawIssuer struct {
	SelfSigned *struct{}    `json:"selfSigned"`
	CA         *rawCAIssuer `json:"ca"`
	ACME       *rawACME     `json:"acme"`
}

type rawCAIssuer struct {
	SecretName string `json:"secretName"`
}

type rawACME struct {
	Email  string `json:"email"`
	Server string `json:"server"`
}

type rawCertManager struct {
	Install    *bool  `json:"install"`
	Namespace  string `json:"namespace"`
	ChartDir   string `json:"chartDir"`
	Repository string `json:"repository"`
	Version    string `json:"version"`
}

// HTTPModes are what port 80 may do when HTTPS is on.
var HTTPModes = []string{"redirect", "serve"}

func decodeTLS(raw *rawTLS, appNamespace string, hosts []string, projectDir string, p *problems) TLS {
	at := key("app") + ".tls"
	if raw == nil {
		return TLS{}
	}
	t := TLS{
		Enabled:           true,
		SecretName:        orDefault(raw.SecretName, names.GatewayCertificateSecret(appNamespace)),
		HSTSMaxAgeSeconds: intOr(raw.HSTSMaxAgeSeconds, DefaultHSTSMaxAgeSeconds),
	}
	checkDNSSubdomain(p, at+".secretName", t.SecretName)
	switch mode := orDefault(raw.HTTP, DefaultTLSHTTP); mode {
	case "redirect", "serve":
		t.RedirectHTTP = mode == "redirect"
	default:
		p.add(at+".http", "must be one of %s, got %q", strings.Join(HTTPModes, ", "), mode)
	}
	if t.HSTSMaxAgeSeconds < 0 || t.HSTSMaxAgeSeconds > MaxHSTSMaxAgeSeconds {
		p.add(at+".hstsMaxAgeSeconds", "must be 0 (no header) to %d (two years), got %d", MaxHSTSMaxAgeSeconds, t.HSTSMaxAgeSeconds)
	}
	for i, host := range hosts {
		if host == "*" {
			p.add(fmt.Sprintf("%s.hosts[%d]", key("app"), i), "no certificate can name the host \"*\": with app.tls set, list the hosts the gateway serves (e.g. shop.example.com, *.example.com)")
		}
	}

	files := raw.CertificateFile != "" || raw.KeyFile != ""
	switch {
	case files && raw.Issuer != nil:
		p.add(at, "set either certificateFile and keyFile or issuer, not both")
	case files:
		t.Source = SourceFiles
		t.CertificatePEM, t.KeyPEM = readKeyPair(raw, hosts, projectDir, at, p)
	case raw.Issuer != nil:
		t.Source = SourceIssuer
		t.Issuer = decodeIssuer(raw.Issuer, hosts, at+".issuer", p)
	case raw.SecretName != "":
		t.Source = SourceSecret
	default:
		p.add(at, "names no certificate: set issuer (cert-manager issues it), certificateFile and keyFile, or secretName (a kubernetes.io/tls Secret in the gateway's namespace)")
	}
	return t
}

func decodeIssuer(raw *rawIssuer, hosts []string, at string, p *problems) Issuer {
	var kinds []IssuerKind
	var i Issuer
	if raw.SelfSigned != nil {
		kinds = append(kinds, IssuerSelfSigned)
		i.Kind = IssuerSelfSigned
	}
	if raw.CA != nil {
		kinds = append(kinds, IssuerCA)
		i.Kind, i.CASecretName = IssuerCA, raw.CA.SecretName
		if i.CASecretName == "" {
			p.add(at+".ca.secretName", "is required: the CA's key pair Secret in the gateway's namespace")
		} else {
			checkDNSSubdomain(p, at+".ca.secretName", i.CASecretName)
		}
	}
	if raw.ACME != nil {
		kinds = append(kinds, IssuerACME)
		i.Kind = IssuerACME
		i.ACMEEmail, i.ACMEServer = raw.ACME.Email, orDefault(raw.ACME.Server, DefaultACMEServer)
		if addr, err := mail.ParseAddress(i.ACMEEmail); err != nil || addr.Address != i.ACMEEmail {
			p.add(at+".acme.email", "must be the account's email address, got %q", i.ACMEEmail)
		}
		if u, err := url.Parse(i.ACMEServer); err != nil || u.Scheme != "https" || u.Host == "" {
			p.add(at+".acme.server", "must be the ACME directory's https URL, got %q", i.ACMEServer)
		}
		for j, host := range hosts {
			if strings.HasPrefix(host, "*.") {
				p.add(fmt.Sprintf("%s.hosts[%d]", key("app"), j), "%q is a wildcard: an ACME server proves a wildcard only over DNS-01, and this issuer answers HTTP-01 through the gateway; list the hosts, or use a ca issuer or certificate files", host)
			}
		}
		if len(hosts) > MaxACMEHosts {
			p.add(key("app")+".hosts", "%d hosts: an ACME certificate names at most %d", len(hosts), MaxACMEHosts)
		}
	}
	switch len(kinds) {
	case 0:
		p.add(at, "names no issuer: set one of selfSigned, ca or acme")
	case 1:
	default:
		p.add(at, "names %d issuers (%v): set exactly one", len(kinds), kinds)
	}
	return i
}

// readKeyPair reads the certificate files and checks that they are a pair,
// valid now, and that the certificate covers every host.
func readKeyPair(raw *rawTLS, hosts []string, projectDir, at string, p *problems) (string, string) {
	if raw.CertificateFile == "" || raw.KeyFile == "" {
		p.add(at, "certificateFile and keyFile go together")
		return "", ""
	}
	certFile, keyFile := resolve(projectDir, raw.CertificateFile), resolve(projectDir, raw.KeyFile)
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		p.add(at+".certificateFile", "cannot read %s: %v", certFile, unwrapPathError(err))
		return "", ""
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		p.add(at+".keyFile", "cannot read %s: %v", keyFile, unwrapPathError(err))
		return "", ""
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		p.add(at+".certificateFile", "with keyFile is not a PEM certificate and its key: %v", err)
		return "", ""
	}
	leaf := pair.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			p.add(at+".certificateFile", "%v", err)
			return "", ""
		}
	}
	if now := time.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		p.add(at+".certificateFile", "is valid from %s to %s, not now", leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}
	for i, host := range hosts {
		if host == "*" {
			continue // refused above
		}
		if !CertificateCovers(leaf, host) {
			p.add(fmt.Sprintf("%s.hosts[%d]", key("app"), i), "%q is not covered by %s (it names %v)", host, certFile, leaf.DNSNames)
		}
	}
	return string(certPEM), string(keyPEM)
}

// CertificateCovers reports whether a certificate serves a gateway host: a
// name must verify; a wildcard host needs the wildcard itself in the
// certificate, since every name under it must verify.
func CertificateCovers(leaf *x509.Certificate, host string) bool {
	if strings.HasPrefix(host, "*.") {
		return slices.Contains(leaf.DNSNames, host)
	}
	return leaf.VerifyHostname(host) == nil
}

func decodeCertManager(raw *rawCertManager, tls TLS, projectDir string, p *problems) CertManager {
	at := key("certManager")
	if raw == nil {
		raw = &rawCertManager{}
	} else if tls.Source != SourceIssuer {
		p.add(at, "is read only with app.tls.issuer (cert-manager issues the gateway's certificate); remove it")
	}
	c := CertManager{
		Install:    raw.Install == nil || *raw.Install,
		Namespace:  orDefault(raw.Namespace, DefaultCertManagerNamespace),
		Repository: orDefault(raw.Repository, DefaultCertManagerRepository),
		Version:    orDefault(raw.Version, DefaultCertManagerVersion),
	}
	if tls.Source != SourceIssuer {
		c.Install = false
		return c
	}
	checkDNSLabel(p, at+".namespace", c.Namespace)
	if raw.ChartDir != "" {
		c.ChartDir = resolve(projectDir, raw.ChartDir)
		if _, err := os.Stat(c.ChartDir + "/Chart.yaml"); err != nil {
			p.add(at+".chartDir", "no chart under %s", c.ChartDir)
		}
	} else if !strings.HasPrefix(c.Version, "v") || !chartVersion.MatchString(strings.TrimPrefix(c.Version, "v")) {
		p.add(at+".version", "must pin an exact chart version like %s, got %q", DefaultCertManagerVersion, c.Version)
	}
	return c
}
