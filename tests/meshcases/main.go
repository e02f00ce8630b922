// Command meshcases writes the case files tests/mesh reads: what the program
// declares, under Pulumi's mocks, for every committed stack (as committed, and
// after each release step its services can take: a blue/green switch, a canary
// weight change, a promotion) and for many generated stack configs.
//
//	go run ./tests/meshcases -out .local/mesh-cases -seed 1 -generated 300
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/cloudnative-pac/platform/internal/meshcase"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/model"
)

func main() {
	out := flag.String("out", ".local/mesh-cases", "directory for the case files (emptied first)")
	root := flag.String("root", ".", "the project directory, holding the committed stack files")
	seed := flag.Int64("seed", 1, "seed of the generated configs")
	generated := flag.Int("generated", 300, "how many generated configs")
	flag.Parse()
	if err := run(*root, *out, *seed, *generated); err != nil {
		fmt.Fprintln(os.Stderr, "meshcases:", err)
		os.Exit(1)
	}
}

func run(root, out string, seed int64, generated int) error {
	start := time.Now()
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "meshcases-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	stacks, err := stackfile.Committed(root)
	if err != nil {
		return err
	}
	written := 0
	declare := func(name string, cfg mocktest.Config) (meshcase.Case, error) {
		dir := filepath.Join(work, fmt.Sprintf("%d-%s", written, fileName(name)))
		if err := stackfile.MachineLocalFiles(root, dir, cfg); err != nil {
			return meshcase.Case{}, err
		}
		secrets := stackfile.AddOperatorSecrets(cfg)
		return meshcase.Export(name, dir, cfg, secrets...)
	}
	write := func(c meshcase.Case) error {
		written++
		return writeCase(filepath.Join(out, fmt.Sprintf("%04d-%s.json", written, fileName(c.Name))), c)
	}
	export := func(name string, cfg mocktest.Config, seed int64) error {
		c, err := declare(name, cfg)
		if err != nil {
			return err
		}
		c.Seed = seed
		return write(c)
	}
	for _, stack := range stacks {
		cfg, err := stackfile.Read(root, stack)
		if err != nil {
			return err
		}
		// As committed, and routed with the other API: the two must route
		// the same stack the same way.
		for _, api := range model.RoutingAPIs {
			suffix := ""
			if committed := routingAPI(cfg); api != committed {
				suffix = "/as-" + string(api)
			}
			for _, v := range releaseSteps(stackfile.WithRoutingAPI(cfg, api)) {
				if err := export("stack/"+stack+suffix+v.name, v.cfg, 0); err != nil {
					return err
				}
			}
		}
	}
	// Switching a stack's routing API: while one up runs, the old API's
	// objects and the new one's are on the cluster together.
	for _, stack := range stacks {
		cfg, err := stackfile.Read(root, stack)
		if err != nil {
			return err
		}
		// Without HTTPS: while both APIs' Gateways bind a host's port 443, Istio
		// writes two filter chains for one SNI, which Envoy refuses (this case
		// found it; docs/known-limits.md).
		both := withoutHTTPS(stackfile.WithRoutingAPI(cfg, model.RoutingGatewayAPI))
		for _, pair := range [][2]model.RoutingAPI{{model.RoutingIstio, model.RoutingGatewayAPI}, {model.RoutingGatewayAPI, model.RoutingIstio}} {
			from, err := declare("from", stackfile.WithRoutingAPI(both, pair[0]))
			if err != nil {
				return err
			}
			to, err := declare("to", stackfile.WithRoutingAPI(both, pair[1]))
			if err != nil {
				return err
			}
			if err := write(meshcase.Switching(fmt.Sprintf("stack/%s/switching-%s-to-%s", stack, pair[0], pair[1]), from, to)); err != nil {
				return err
			}
		}
	}
	for i := range generated {
		if err := export(fmt.Sprintf("generated/seed-%d/%d", seed, i), meshcase.Generate(seed, i), seed); err != nil {
			return fmt.Errorf("%w\n(the generator drew a config the model refuses: fix the generator; reproduce with -seed %d)", err, seed)
		}
	}
	fmt.Printf("meshcases: %d cases (%d committed stacks, %d generated, seed %d) in %s, %.1fs\n",
		written, len(stacks), generated, seed, out, time.Since(start).Seconds())
	return nil
}

// withoutHTTPS is a stack config without app.tls (nor cert-manager, nor the
// production flag that requires HTTPS).
func withoutHTTPS(cfg mocktest.Config) mocktest.Config {
	out := mocktest.DeepCopy(map[string]any(cfg)).(map[string]any)
	if app, ok := out["cloudnative:app"].(map[string]any); ok {
		delete(app, "tls")
	}
	delete(out, "cloudnative:certManager")
	delete(out, "cloudnative:production")
	return out
}

// routingAPI is the routing API a stack config chooses.
func routingAPI(cfg mocktest.Config) model.RoutingAPI {
	if api, ok := mocktest.Dig(cfg["cloudnative:routing"], "api").(string); ok {
		return model.RoutingAPI(api)
	}
	return model.DefaultRoutingAPI
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

func fileName(name string) string { return unsafeChars.ReplaceAllString(name, "_") }

func writeCase(path string, c meshcase.Case) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

type variant struct {
	name string
	cfg  mocktest.Config
}

// releaseSteps are the stack as committed and, per service, each release step
// its strategy can take from there.
func releaseSteps(cfg mocktest.Config) []variant {
	steps := []variant{{"", cfg}}
	services, _ := cfg["cloudnative:services"].([]any)
	for i, raw := range services {
		svc := raw.(map[string]any)
		name := svc["name"]
		edit := func(label string, change func(block map[string]any)) {
			next := mocktest.DeepCopy(map[string]any(cfg)).(map[string]any)
			block := next["cloudnative:services"].([]any)[i].(map[string]any)
			change(block)
			steps = append(steps, variant{fmt.Sprintf("/%s-%s", name, label), next})
		}
		switch svc["strategy"] {
		case "blueGreen":
			edit("switched", func(s map[string]any) {
				bg := s["blueGreen"].(map[string]any)
				bg["active"] = map[any]string{"blue": "green", "green": "blue"}[bg["active"]]
			})
		case "canary":
			for _, w := range []int{0, 50, 100} {
				edit(fmt.Sprintf("weight-%d", w), func(s map[string]any) { s["canary"].(map[string]any)["weight"] = w })
			}
			edit("promoted", func(s map[string]any) {
				c := s["canary"].(map[string]any)
				c["stableImage"], c["weight"] = c["canaryImage"], 0
			})
		}
	}
	return steps
}
