// Command gencert makes the certificate a stack's app.tls.certificateFile and
// keyFile name, for the stack's app.hosts: a private CA (ca.crt beside the
// certificate, for clients to trust) and a certificate signed by it. The local
// stack's HTTPS needs nothing fetched and no openssl. A certificate that still
// covers the hosts for 30 days more is kept, so reruns change nothing.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudnative-pac/platform/internal/localca"
	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/model"
)

const validFor = 365 * 24 * time.Hour

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gencert STACK (run in the project directory)")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gencert:", err)
		os.Exit(1)
	}
}

func run(stack string) error {
	cfg, err := stackfile.Read(".", stack)
	if err != nil {
		return err
	}
	hosts, certFile, keyFile := stackfile.CertificateFiles(cfg)
	if certFile == "" {
		return fmt.Errorf("Pulumi.%s.yaml names no app.tls.certificateFile and keyFile", stack)
	}
	if current(certFile, keyFile, hosts) {
		return nil
	}
	pair, err := localca.Issue("cloudnative "+stack+" gateway", hosts, validFor)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{filepath.Join(filepath.Dir(certFile), "ca.crt"), pair.CAPEM, 0o644},
		{certFile, pair.CertificatePEM, 0o644},
		{keyFile, pair.KeyPEM, 0o600},
	} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	fmt.Printf("gencert: %s for %v (CA in %s)\n", certFile, hosts, filepath.Join(filepath.Dir(certFile), "ca.crt"))
	return nil
}

// current reports whether the files hold a certificate for every host that
// stays valid for 30 days more.
func current(certFile, keyFile string, hosts []string) bool {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return false
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil || time.Now().Add(30*24*time.Hour).After(leaf.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if !model.CertificateCovers(leaf, h) {
			return false
		}
	}
	return true
}
