// Package mocktest is the shared fixture for tests under Pulumi's mocks: it records
// every registered resource with its inputs, provider, parent and dependencies, and
// fakes the few outputs the program reads back (Helm release status, a minikube
// kubeconfig, the ingress gateway Service).
package mocktest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// FakeKubeconfig is what the mocked minikube kubeconfig command prints.
const FakeKubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n"

// Resource is one registered (or read) resource.
type Resource struct {
	ID        string
	Type      string
	Name      string
	Inputs    resource.PropertyMap
	Provider  string
	Parent    string
	DependsOn []string
	Protect   bool
	// IgnoreChanges are the input paths the engine leaves alone on update.
	IgnoreChanges []string
	Read          bool
}

// Invoke is one recorded invoke (a data source call).
type Invoke struct {
	Token    string
	Args     resource.PropertyMap
	Provider string
}

// Mocks implements pulumi.MockResourceMonitor and records resources and invokes.
type Mocks struct {
	mu        sync.Mutex
	resources []Resource
	invokes   []Invoke
}

// NewResource records the resource and echoes its inputs as outputs.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := Resource{Type: args.TypeToken, Name: args.Name, Inputs: args.Inputs, Provider: args.Provider, Read: args.ID != ""}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.DependsOn = rpc.GetDependencies()
		r.Protect = rpc.GetProtect()
		r.IgnoreChanges = rpc.GetIgnoreChanges()
	}
	if rpc := args.ReadRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.DependsOn = rpc.GetDependencies()
	}
	outputs := args.Inputs.Copy()
	switch args.TypeToken {
	case "kubernetes:helm.sh/v3:Release":
		outputs["status"] = resource.NewObjectProperty(resource.PropertyMap{
			"name":      args.Inputs["name"],
			"namespace": args.Inputs["namespace"],
			"status":    resource.NewStringProperty("deployed"),
		})
	case "command:local:Command":
		outputs["stdout"] = resource.NewStringProperty(FakeKubeconfig)
	case "kubernetes:core/v1:Service":
		if r.Read {
			outputs = readGatewayService()
		}
	}
	if computed, ok := cloudOutputs[args.TypeToken]; ok {
		for k, v := range resource.NewPropertyMapFromMap(computed(args.Name, args.Inputs)) {
			outputs[k] = v
		}
	}
	r.ID = args.ID
	if r.ID == "" {
		r.ID = args.Name + "-id"
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return r.ID, outputs, nil
}

// Call records an invoke and answers it from CloudInvokes by token. A cloud
// invoke without a fake is an error, so a new data source cannot slip past the
// tests with an empty answer.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, Invoke{Token: args.Token, Args: args.Args, Provider: args.Provider})
	m.mu.Unlock()
	if answer, ok := CloudInvokes[args.Token]; ok {
		return resource.NewPropertyMapFromMap(answer(args.Args, m.providerInputs(args.Provider))), nil
	}
	if !strings.HasPrefix(args.Token, "kubernetes:") && !strings.HasPrefix(args.Token, "pulumi:") {
		return nil, fmt.Errorf("mocktest: no fake for invoke %s", args.Token)
	}
	return resource.PropertyMap{}, nil
}

// providerInputs are the inputs of the provider an invoke went to ("urn::id"),
// so a fake can answer as that provider's configuration would.
func (m *Mocks) providerInputs(reference string) resource.PropertyMap {
	_, id := splitProviderRef(reference)
	if id == "" {
		return resource.PropertyMap{}
	}
	for _, r := range m.Resources() {
		if strings.HasPrefix(r.Type, "pulumi:providers:") && r.ID == id {
			return r.Inputs
		}
	}
	return resource.PropertyMap{}
}

// Invokes returns the recorded invokes of a token.
func (m *Mocks) Invokes(token string) []Invoke {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Invoke
	for _, i := range m.invokes {
		if i.Token == token {
			out = append(out, i)
		}
	}
	return out
}

func readGatewayService() resource.PropertyMap {
	return resource.NewPropertyMapFromMap(map[string]any{
		"spec": map[string]any{"ports": []any{
			map[string]any{"name": "status-port", "port": 15021, "nodePort": 31021},
			map[string]any{"name": "http2", "port": 80, "nodePort": 30080},
		}},
		"status": map[string]any{"loadBalancer": map[string]any{}},
	})
}

// Resources returns what was recorded.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Resource(nil), m.resources...)
}

// OfType returns the registered (not read) resources of a type token.
func (m *Mocks) OfType(token string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Type == token && !r.Read {
			out = append(out, r)
		}
	}
	return out
}

// Get returns the registered resource of a type with a logical name.
func (m *Mocks) Get(t testing.TB, token, name string) Resource {
	t.Helper()
	for _, r := range m.OfType(token) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s was registered", token, name)
	return Resource{}
}

// ProviderURN returns the URN part of a provider reference ("urn::id").
func ProviderURN(reference string) string {
	urn, _ := splitProviderRef(reference)
	return urn
}

// splitProviderRef splits a provider reference "urn::id" at its last "::".
func splitProviderRef(reference string) (urn, id string) {
	if i := strings.LastIndex(reference, "::"); i >= 0 {
		return reference[:i], reference[i+2:]
	}
	return reference, ""
}

// Config is stack config for a mocked run: full keys ("cloudnative:services") to
// values; objects and lists are JSON-encoded as Pulumi passes them.
type Config map[string]any

// Run runs a program under mocks with the config, returning what it registered
// and the program's error.
func Run(t testing.TB, program pulumi.RunFunc, config Config, secretKeys ...string) (*Mocks, error) {
	t.Helper()
	env, err := configEnv(config, secretKeys)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	return runMocked(program)
}

// RunInProcess is Run outside a test (a command that exports what the program
// declares): it sets the config in the process environment, as the engine does,
// so runs must not overlap.
func RunInProcess(program pulumi.RunFunc, config Config, secretKeys ...string) (*Mocks, error) {
	env, err := configEnv(config, secretKeys)
	if err != nil {
		return nil, err
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	return runMocked(program)
}

// configEnv is the environment through which the engine hands a program its
// config: full keys to strings, objects and lists JSON-encoded.
func configEnv(config Config, secretKeys []string) (map[string]string, error) {
	encoded := map[string]string{}
	for k, v := range config {
		if s, ok := v.(string); ok {
			encoded[k] = s
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode config %s: %w", k, err)
		}
		encoded[k] = string(data)
	}
	data, _ := json.Marshal(encoded)
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, _ := json.Marshal(secretKeys)
	return map[string]string{pulumi.EnvConfig: string(data), pulumi.EnvConfigSecretKeys: string(secrets)}, nil
}

func runMocked(program pulumi.RunFunc) (*Mocks, error) {
	mocks := &Mocks{}
	err := pulumi.RunErr(program, pulumi.WithMocks("cloudnative", "test", mocks))
	return mocks, err
}

// MustRun runs a program with no config under mocks and fails the test if the
// program fails.
func MustRun(t testing.TB, program pulumi.RunFunc) *Mocks {
	t.Helper()
	mocks, err := Run(t, program, nil)
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return mocks
}

// Build runs, under mocks with no config, a program that builds one value (a
// component, usually), and returns what was registered and that value.
func Build[T any](t testing.TB, build func(ctx *pulumi.Context) (T, error)) (*Mocks, T) {
	t.Helper()
	var built T
	mocks := MustRun(t, func(ctx *pulumi.Context) error {
		var err error
		built, err = build(ctx)
		return err
	})
	return mocks, built
}

// Await returns an output's value once the mocked run has resolved it.
func Await(t testing.TB, output pulumi.Output) any {
	t.Helper()
	result, err := internals.UnsafeAwaitOutput(context.Background(), output)
	if err != nil {
		t.Fatalf("await output: %v", err)
	}
	return result.Value
}

// Plain returns the inputs as plain Go values.
func (r Resource) Plain() map[string]any { return r.Inputs.Mappable() }

// Revealed is Plain with every secret value shown as the value itself: the
// object as the provider sends it to the API server.
func (r Resource) Revealed() map[string]any { return r.Inputs.MapRepl(nil, reveal) }

func reveal(v resource.PropertyValue) (any, bool) {
	if !v.IsSecret() {
		return nil, false
	}
	return v.SecretValue().Element.MapRepl(nil, reveal), true
}

// Dig walks nested maps and lists: keys for maps, ints for lists. It returns nil
// when the path does not exist.
func Dig(value any, path ...any) any {
	for _, step := range path {
		switch key := step.(type) {
		case string:
			m, ok := value.(map[string]any)
			if !ok {
				return nil
			}
			value = m[key]
		case int:
			list, ok := value.([]any)
			if !ok || key >= len(list) {
				return nil
			}
			value = list[key]
		}
	}
	return value
}

// Field digs into a resource's inputs.
func (r Resource) Field(path ...any) any { return Dig(r.Plain(), path...) }

// DeepCopy copies nested maps and lists of plain values, as decoded from YAML or JSON.
func DeepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = DeepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = DeepCopy(e)
		}
		return out
	default:
		return x
	}
}

// OnProvider runs a program under mocks with a Kubernetes provider named "k8s"
// (ProviderRef), passed to the program as the resource option every component
// gets, and fails the test if the program fails.
func OnProvider(t testing.TB, program func(ctx *pulumi.Context, onCluster pulumi.ResourceOption) error) *Mocks {
	t.Helper()
	mocks, err := Run(t, func(ctx *pulumi.Context) error {
		provider, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{})
		if err != nil {
			return err
		}
		return program(ctx, pulumi.Provider(provider))
	}, nil)
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return mocks
}

// ProviderRef is the URN of the provider OnProvider creates.
const ProviderRef = "urn:pulumi:test::cloudnative::pulumi:providers:kubernetes::k8s"
