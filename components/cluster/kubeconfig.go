package cluster

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// ExecCredential is the client-go exec plugin that fetches a short-lived token
// for each connection. A kubeconfig that carries no token has nothing to leak
// and never goes stale, which is why the cloud targets use one.
type ExecCredential struct {
	Command string
	Args    []string
	Env     map[string]string
	// InstallHint is shown by kubectl when Command is missing.
	InstallHint string
	// ProvideClusterInfo hands the cluster's details to the plugin.
	ProvideClusterInfo bool
}

// ExecKubeconfig renders a kubeconfig with one cluster, one user authenticated
// by the exec plugin, and one context, current, all called name.
func ExecKubeconfig(name, server, caData string, exec ExecCredential) (string, error) {
	var env []kubeconfigEnv
	for _, k := range slices.Sorted(maps.Keys(exec.Env)) {
		env = append(env, kubeconfigEnv{Name: k, Value: exec.Env[k]})
	}
	doc := kubeconfigFile{
		APIVersion:     "v1",
		Kind:           "Config",
		CurrentContext: name,
		Clusters: []namedCluster{{Name: name, Cluster: kubeconfigCluster{
			Server:                   server,
			CertificateAuthorityData: caData,
		}}},
		Contexts: []namedContext{{Name: name, Context: kubeconfigContext{Cluster: name, User: name}}},
		Users: []namedUser{{Name: name, User: kubeconfigUser{Exec: &kubeconfigExec{
			APIVersion:         "client.authentication.k8s.io/v1beta1",
			Command:            exec.Command,
			Args:               exec.Args,
			Env:                env,
			InstallHint:        exec.InstallHint,
			ProvideClusterInfo: exec.ProvideClusterInfo,
			InteractiveMode:    "IfAvailable",
		}}}},
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("render kubeconfig %s: %w", name, err)
	}
	return string(out), nil
}

// SecretKubeconfig renders ExecKubeconfig from a cluster's outputs once they
// are known, as a secret. caData may resolve to nil (no CA yet).
func SecretKubeconfig(contextName, server pulumi.StringInput, caData pulumi.StringPtrInput, exec ExecCredential) pulumi.StringOutput {
	rendered := pulumi.All(contextName, server, caData).ApplyT(func(values []any) (string, error) {
		ca := ""
		if data, ok := values[2].(*string); ok && data != nil {
			ca = *data
		}
		return ExecKubeconfig(values[0].(string), values[1].(string), ca, exec)
	})
	return pulumi.ToSecret(rendered).(pulumi.StringOutput)
}

// ServerOf returns the API server URL of a kubeconfig's context (its current
// context when kubeContext is empty), or "" when it cannot tell.
func ServerOf(kubeconfig, kubeContext string) string {
	var doc kubeconfigFile
	if yaml.Unmarshal([]byte(kubeconfig), &doc) != nil {
		return ""
	}
	if kubeContext == "" {
		kubeContext = doc.CurrentContext
	}
	clusterName := ""
	for _, c := range doc.Contexts {
		if c.Name == kubeContext {
			clusterName = c.Context.Cluster
		}
	}
	for _, c := range doc.Clusters {
		if c.Name == clusterName {
			return c.Cluster.Server
		}
	}
	return ""
}

// The kubeconfig file format, as far as the targets write or read it.
type kubeconfigFile struct {
	APIVersion     string         `yaml:"apiVersion"`
	Kind           string         `yaml:"kind"`
	CurrentContext string         `yaml:"current-context"`
	Clusters       []namedCluster `yaml:"clusters"`
	Contexts       []namedContext `yaml:"contexts"`
	Users          []namedUser    `yaml:"users"`
}

type namedCluster struct {
	Name    string            `yaml:"name"`
	Cluster kubeconfigCluster `yaml:"cluster"`
}

type kubeconfigCluster struct {
	Server                   string `yaml:"server"`
	CertificateAuthorityData string `yaml:"certificate-authority-data,omitempty"`
}

type namedContext struct {
	Name    string            `yaml:"name"`
	Context kubeconfigContext `yaml:"context"`
}

type kubeconfigContext struct {
	Cluster string `yaml:"cluster"`
	User    string `yaml:"user"`
}

type namedUser struct {
	Name string         `yaml:"name"`
	User kubeconfigUser `yaml:"user"`
}

type kubeconfigUser struct {
	Exec *kubeconfigExec `yaml:"exec,omitempty"`
}

type kubeconfigExec struct {
	APIVersion         string          `yaml:"apiVersion"`
	Command            string          `yaml:"command"`
	Args               []string        `yaml:"args,omitempty"`
	Env                []kubeconfigEnv `yaml:"env,omitempty"`
	InstallHint        string          `yaml:"installHint,omitempty"`
	ProvideClusterInfo bool            `yaml:"provideClusterInfo,omitempty"`
	InteractiveMode    string          `yaml:"interactiveMode"`
}

type kubeconfigEnv struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}
