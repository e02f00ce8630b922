package mesh

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"time"
)

// storedSecret is a Secret as the API server stores it: stringData folded
// into base64 data.
func storedSecret(o map[string]any) map[string]any {
	s := deepCopy(o)
	data, _ := s["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	if plain, ok := s["stringData"].(map[string]any); ok {
		for k, v := range plain {
			str, _ := v.(string)
			data[k] = base64.StdEncoding.EncodeToString([]byte(str))
		}
		delete(s, "stringData")
	}
	s["data"] = data
	return s
}

// standInCertificate adds the gateway's Secret when the program does not
// write it: cert-manager issues it (it cannot run here) or it exists before
// the stack. A self-signed certificate for the case's hosts stands in.
func (k *cluster) standInCertificate(c Case) error {
	for _, s := range k.secrets {
		if metaOf(s, "name") == c.TLS.SecretName && metaOf(s, "namespace") == c.GatewayNamespace {
			return nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "stand-in"},
		DNSNames:     c.Hosts,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	k.secrets = append(k.secrets, storedSecret(map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
		"metadata": map[string]any{"name": c.TLS.SecretName, "namespace": c.GatewayNamespace},
		"stringData": map[string]any{
			"tls.crt": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
			"tls.key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
		},
	}))
	return nil
}
