// Command gencert writes the local stack's gateway certificate: a private CA
// and a certificate for the given hosts, signed by it, into DIR as ca.crt,
// tls.crt and tls.key. An existing certificate that covers the hosts and is
// valid for another 30 days is kept, so reruns change nothing.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudnative-pac/platform/internal/localca"
)

const validFor = 365 * 24 * time.Hour

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: gencert DIR HOST...")
		os.Exit(2)
	}
	dir, hosts := os.Args[1], os.Args[2:]
	if current(dir, hosts) {
		return
	}
	pair, err := localca.Issue("cloudnative local gateway", hosts, validFor)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{"ca.crt", pair.CAPEM, 0o644}, {"tls.crt", pair.CertificatePEM, 0o644}, {"tls.key", pair.KeyPEM, 0o600}} {
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencert:", err)
		os.Exit(1)
	}
}

// current reports whether DIR holds a certificate for every host that stays
// valid for 30 days more.
func current(dir string, hosts []string) bool {
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		return false
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil || time.Now().Add(30*24*time.Hour).After(leaf.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}
