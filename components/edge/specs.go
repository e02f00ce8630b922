// Package edge gives the ingress gateway its certificate: cert-manager through
// Helm with a namespaced Issuer and a Certificate, or a Secret written from
// certificate files, or an existing Secret the stack only names. The Secret
// always lands in the gateway's namespace, where Istio reads credentialName.
package edge

import (
	"fmt"
	"hash/adler32"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// CertManagerAPIVersion is the version of cert-manager's API the objects use.
const CertManagerAPIVersion = "cert-manager.io/v1"

// acmeSolverPort is where cert-manager's HTTP-01 solver pod listens.
const acmeSolverPort = 8089

// Labels cert-manager puts on an HTTP-01 solver pod.
const (
	solverLabel       = "acme.cert-manager.io/http01-solver"
	solverDomainLabel = "acme.cert-manager.io/http-domain"
)

// IssuerSpec is the spec of the namespaced Issuer of the gateway's certificate.
func IssuerSpec(issuer model.Issuer, appNamespace string) map[string]any {
	switch issuer.Kind {
	case model.IssuerSelfSigned:
		return map[string]any{"selfSigned": map[string]any{}}
	case model.IssuerCA:
		return map[string]any{"ca": map[string]any{"secretName": issuer.CASecretName}}
	case model.IssuerACME:
		return map[string]any{"acme": map[string]any{
			"email":               issuer.ACMEEmail,
			"server":              issuer.ACMEServer,
			"privateKeySecretRef": map[string]any{"name": names.ACMEAccountSecret(appNamespace)},
			// The challenge's Ingress is of a class nobody serves: the
			// gateway's own routes send the challenge path to the solver.
			"solvers": []any{map[string]any{"http01": map[string]any{
				"ingress": map[string]any{"ingressClassName": names.ACMEUnservedIngressClass},
			}}},
		}}
	}
	panic(fmt.Sprintf("issuer kind %q passed the model", issuer.Kind))
}

// CertificateSpec asks for the gateway's certificate: every host, a fresh
// ECDSA key at each renewal, into the Secret the gateway reads.
func CertificateSpec(tls model.TLS, hosts []string, appNamespace string) map[string]any {
	dnsNames := make([]any, len(hosts))
	for i, h := range hosts {
		dnsNames[i] = h
	}
	return map[string]any{
		"secretName": tls.SecretName,
		"dnsNames":   dnsNames,
		"issuerRef": map[string]any{
			"group": "cert-manager.io",
			"kind":  "Issuer",
			"name":  names.GatewayCertificate(appNamespace),
		},
		"privateKey": map[string]any{"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
	}
}

// ACMESolver is the Service in front of one host's HTTP-01 solver pod.
type ACMESolver struct {
	Host     string
	Name     string
	Port     int
	Selector map[string]string
}

// ACMESolvers are the solver Services of an HTTP-01 issuer, one per host:
// cert-manager starts a solver pod per host and challenge, labelled with the
// host's Adler-32 checksum, so each host's Service reaches only its own.
func ACMESolvers(tls model.TLS, hosts []string) []ACMESolver {
	if !tls.ACMEHTTP01() {
		return nil
	}
	solvers := make([]ACMESolver, len(hosts))
	for i, h := range hosts {
		sum := fmt.Sprint(adler32.Checksum([]byte(h)))
		solvers[i] = ACMESolver{
			Host: h, Name: names.ACMESolverService(sum), Port: acmeSolverPort,
			Selector: map[string]string{solverLabel: "true", solverDomainLabel: sum},
		}
	}
	return solvers
}

// CertManagerValues are the chart's values: its CRDs installed and removed
// with the release (a destroy leaves nothing behind), each component placed
// as the stack's platform placement says.
func CertManagerValues(placement pulumi.Map) pulumi.Map {
	values := pulumi.Map{"crds": pulumi.Map{"enabled": pulumi.Bool(true), "keep": pulumi.Bool(false)}}
	for k, v := range placement {
		values[k] = v
	}
	for _, component := range []string{"webhook", "cainjector", "startupapicheck"} {
		values[component] = placement
	}
	return values
}
