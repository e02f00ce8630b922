// Package stackfile reads a committed Pulumi.<stack>.yaml as the engine hands it
// to the program, and lays out the files a stack expects on the machine that
// deploys it, so tests and the mesh-case export run the program on the stack
// file as it is committed.
package stackfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/internal/localca"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

// Committed lists the stacks with a Pulumi.<stack>.yaml in root.
func Committed(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	return names, nil
}

// Read returns the config of Pulumi.<stack>.yaml: full keys to plain values.
func Read(root, stack string) (mocktest.Config, error) {
	data, err := os.ReadFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
	if err != nil {
		return nil, err
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("Pulumi.%s.yaml: %w", stack, err)
	}
	cfg := mocktest.Config{}
	for k, v := range file.Config {
		if s, ok := v.(string); ok {
			cfg[k] = s
			continue
		}
		cfg[k] = mocktest.DeepCopy(v)
	}
	return cfg, nil
}

// FakeKubeconfig is what stands in for a kubeconfig the operator provides.
const FakeKubeconfig = "apiVersion: v1\nkind: Config\n"

// KubeconfigSecretKey is the config key of a kubeconfig given as a secret.
const KubeconfigSecretKey = "cloudnative:kubeconfig"

// AddOperatorSecrets sets, on an existing-cluster stack that takes its
// kubeconfig from a secret the operator sets, a stand-in for it, and returns the
// secret keys to pass to the run.
func AddOperatorSecrets(cfg mocktest.Config) []string {
	if _, ok := cfg[KubeconfigSecretKey]; ok || mocktest.Dig(cfg["cloudnative:cluster"], "kind") != "existing" {
		return nil
	}
	if mocktest.Dig(cfg["cloudnative:cluster"], "existing", "kubeconfigPath") != nil {
		return nil
	}
	cfg[KubeconfigSecretKey] = FakeKubeconfig
	return []string{KubeconfigSecretKey}
}

// MachineLocalFiles creates in dir, a stand-in project directory, the files the
// stack reads from the deploying machine: the properties file from root, a
// kubeconfig, a chart directory and add-on manifests where the config names them.
func MachineLocalFiles(root, dir string, cfg mocktest.Config) error {
	props, err := os.ReadFile(filepath.Join(root, "config", "application.properties"))
	if err != nil {
		return err
	}
	files := map[string]string{filepath.Join("config", "application.properties"): string(props)}
	if path, ok := mocktest.Dig(cfg["cloudnative:cluster"], "existing", "kubeconfigPath").(string); ok {
		files[path] = FakeKubeconfig
	}
	if charts, ok := mocktest.Dig(cfg["cloudnative:istio"], "chartDir").(string); ok {
		for _, chart := range []string{"base", "istio-control/istio-discovery", "gateway"} {
			files[filepath.Join(charts, chart, "Chart.yaml")] = "name: " + filepath.Base(chart) + "\n"
		}
	}
	if crds, ok := mocktest.Dig(cfg["cloudnative:routing"], "crdDir").(string); ok {
		for _, f := range model.GatewayAPICRDFiles {
			files[filepath.Join(crds, f)] = "apiVersion: v1\nkind: List\nitems: []\n"
		}
	}
	if manifests, ok := mocktest.Dig(cfg["cloudnative:observability"], "manifestDir").(string); ok {
		for _, addon := range []string{"prometheus", "grafana", "jaeger", "kiali"} {
			files[filepath.Join(manifests, addon+".yaml")] = "apiVersion: v1\nkind: List\nitems: []\n"
		}
	}
	// Certificate files (the local stack's, which hack/gencert makes): one
	// made here for the stack's hosts.
	if hosts, certFile, keyFile := CertificateFiles(cfg); certFile != "" {
		pair, err := localca.Issue("test gateway", hosts, 24*time.Hour)
		if err != nil {
			return err
		}
		files[certFile], files[keyFile] = string(pair.CertificatePEM), string(pair.KeyPEM)
	}
	// A minikube stack builds the sample images from the project's apps/.
	if mocktest.Dig(cfg["cloudnative:cluster"], "kind") == "minikube" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		apps, err := filepath.Abs(filepath.Join(root, "apps"))
		if err != nil {
			return err
		}
		if err := os.Symlink(apps, filepath.Join(dir, "apps")); err != nil && !os.IsExist(err) {
			return err
		}
	}
	for path, content := range files {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// CertificateFiles are a stack's hosts and the certificate files its
// app.tls names, relative to the project; empty paths when it names none.
func CertificateFiles(cfg mocktest.Config) (hosts []string, certFile, keyFile string) {
	certFile, _ = mocktest.Dig(cfg["cloudnative:app"], "tls", "certificateFile").(string)
	keyFile, _ = mocktest.Dig(cfg["cloudnative:app"], "tls", "keyFile").(string)
	if certFile == "" || keyFile == "" {
		return nil, "", ""
	}
	list, _ := mocktest.Dig(cfg["cloudnative:app"], "hosts").([]any)
	for _, h := range list {
		hosts = append(hosts, fmt.Sprint(h))
	}
	return hosts, certFile, keyFile
}
