// Command platform runs the platform program through the real Pulumi engine
// (Automation API, program inline) and carries releases between stacks:
//
//	platform validate -stack dev
//	git diff --name-only A B | platform deploy-plan -stacks dev,staging,prod [-all]
//	platform preview|up|destroy|outputs [-stack local] [-dir .] [-refresh=false]
//	platform drift -stack dev
//	platform promote -from dev -to staging [-allow-canary] [-force] [-then preview|apply]
//	platform rollback -stack staging [-then preview|apply]
//	platform pr-preview -stack staging
//	platform pin-image -stack dev -service go-service -image REPO@sha256:…
//	platform rollout -stack dev [-service java-service] [-abort | -approve] [-prometheus URL]
//
// Exit status: 1 on an error or a rollback, 3 when a rollout stops at a gate
// to await approval.
//
// The pulumi CLI and the pulumi-resource-kubernetes plugin must be on the PATH
// (make tools builds both). State goes to file://<dir>/.local/state unless
// PULUMI_BACKEND_URL says otherwise; PULUMI_CONFIG_PASSPHRASE encrypts secrets.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudnative-pac/platform/delivery"
	"github.com/cloudnative-pac/platform/engine"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/stacks"
)

type options struct {
	stack, dir, from, to, then, chain string
	service, image, group             string
	expectNoChanges, showSecrets      bool
	refresh                           bool
	allowCanary, force                bool
	abort, approve                    bool
	prometheus                        string
	deployable                        string
	all                               bool
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		os.Exit(2)
	}
	command := os.Args[1]
	// A flag set of its own: the global one carries flags that libraries register.
	flags := flag.NewFlagSet("platform "+command, flag.ExitOnError)
	var o options
	flags.StringVar(&o.stack, "stack", "local", "stack name: Pulumi.<stack>.yaml")
	flags.StringVar(&o.dir, "dir", ".", "project directory")
	flags.BoolVar(&o.expectNoChanges, "expect-no-changes", false, "preview: fail if any change is proposed")
	flags.BoolVar(&o.showSecrets, "show-secrets", false, "outputs: print secret values")
	flags.BoolVar(&o.refresh, "refresh", true, "preview, up, promote: read the cluster first, so drift shows and up corrects it")
	flags.StringVar(&o.from, "from", "", "promote: the stack whose deployed release moves on")
	flags.StringVar(&o.to, "to", "", "promote: the stack that receives it")
	flags.StringVar(&o.then, "then", "", "promote, rollback: preview or apply the target after writing its file")
	flags.StringVar(&o.chain, "chain", "promotion.yaml", "promote: the promotion chain, relative to -dir")
	flags.BoolVar(&o.allowCanary, "allow-canary", false, "promote: let a canary in progress move on")
	flags.BoolVar(&o.force, "force", false, "promote: allow skipping a stage of the chain")
	flags.StringVar(&o.service, "service", "", "pin-image: the service the image is of")
	flags.StringVar(&o.image, "image", "", "pin-image: the new image, pinned by digest (repository@sha256:…)")
	flags.StringVar(&o.group, "group", "", "rollout: roll a release group out (services[].progressive.group) instead of one service")
	flags.BoolVar(&o.abort, "abort", false, "rollout: end the rollout in progress by rolling back")
	flags.BoolVar(&o.approve, "approve", false, "rollout: continue a rollout stopped at a gate (services[].progressive.approveBefore)")
	flags.StringVar(&o.prometheus, "prometheus", os.Getenv("PROMETHEUS_URL"), "rollout: Prometheus' URL (default $PROMETHEUS_URL, then the stack's observability.prometheusUrl)")
	flags.StringVar(&o.deployable, "stacks", "dev,staging,prod", "deploy-plan: the stacks the deploy workflow brings up")
	flags.BoolVar(&o.all, "all", false, "deploy-plan: the change is unknown (a first push): every stack")
	flags.Usage = func() { usage(); flags.PrintDefaults() }
	_ = flags.Parse(os.Args[2:])
	if err := run(context.Background(), command, o); err != nil {
		fmt.Fprintln(os.Stderr, "platform:", err)
		if errors.Is(err, delivery.ErrAwaitingApproval) {
			os.Exit(awaitingApprovalStatus)
		}
		os.Exit(1)
	}
}

// awaitingApprovalStatus is the exit status of a rollout stopped at a gate:
// neither a success nor a failure, so a workflow can tell it apart.
const awaitingApprovalStatus = 3

func usage() {
	fmt.Fprintln(os.Stderr, "usage: platform validate|deploy-plan|preview|up|destroy|outputs|drift|promote|rollback|pr-preview|pin-image|rollout [flags]")
}

func run(ctx context.Context, command string, o options) error {
	engineOptions := engine.Options{
		ProjectDir: o.dir,
		BackendURL: os.Getenv("PULUMI_BACKEND_URL"),
		Passphrase: os.Getenv("PULUMI_CONFIG_PASSPHRASE"),
		Progress:   os.Stdout,
		Refresh:    o.refresh,
	}
	then := delivery.Then(o.then)
	if then != delivery.WriteOnly && then != delivery.Preview && then != delivery.Apply {
		return fmt.Errorf("-then must be preview or apply, got %q", o.then)
	}
	switch command {
	case "validate":
		return validate(o.dir, o.stack)
	case "deploy-plan":
		return deployPlan(os.Stdin, filepath.Join(o.dir, o.chain), strings.Split(o.deployable, ","), o.all)
	case "promote":
		if o.from == "" || o.to == "" {
			return fmt.Errorf("promote needs -from and -to")
		}
		chain, err := release.LoadChain(filepath.Join(o.dir, o.chain))
		if err != nil {
			return err
		}
		ws := delivery.Workspace{Engine: quiet(engineOptions), Out: os.Stdout}
		_, err = ws.Promote(ctx, delivery.Promotion{From: o.from, To: o.to, Chain: chain,
			AllowCanary: o.allowCanary, Force: o.force, Then: then})
		return err
	case "rollback":
		ws := delivery.Workspace{Engine: quiet(engineOptions), Out: os.Stdout}
		_, err := ws.Rollback(ctx, o.stack, then)
		return err
	case "pin-image":
		if o.service == "" || o.image == "" {
			return fmt.Errorf("pin-image needs -service and -image")
		}
		ws := delivery.Workspace{Engine: engineOptions, Out: os.Stdout}
		_, err := ws.PinImage(o.stack, o.service, o.image)
		return err
	case "rollout":
		ws := delivery.Workspace{Engine: quiet(engineOptions), Out: os.Stdout}
		return ws.Rollout(ctx, o.stack, o.service, o.group, o.prometheus, o.abort, o.approve)
	case "pr-preview":
		ws := delivery.Workspace{Engine: quiet(engineOptions)}
		markdown, err := ws.PRPreview(ctx, o.stack)
		if err != nil {
			return err
		}
		fmt.Print(markdown)
		return nil
	}

	engineOptions.Stack = o.stack
	if command == "drift" {
		engineOptions = quiet(engineOptions)
	}
	s, err := engine.Open(ctx, engineOptions)
	if err != nil {
		return err
	}
	defer s.Close()
	switch command {
	case "preview":
		_, err = s.Preview(ctx, o.expectNoChanges)
		return err
	case "up":
		res, err := s.Up(ctx)
		if err != nil {
			return err
		}
		out, err := engine.RenderOutputs(res.Outputs, o.showSecrets)
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	case "destroy":
		_, err = s.Destroy(ctx)
		return err
	case "outputs":
		return printOutputs(ctx, s, o.showSecrets)
	case "drift":
		findings, err := s.Drift(ctx)
		if err != nil {
			return err
		}
		if len(findings) == 0 {
			fmt.Printf("%s: no drift, the cluster is as declared\n", o.stack)
			return nil
		}
		fmt.Printf("%s has drifted from its config:\n", o.stack)
		for _, f := range findings {
			fmt.Println("  " + f)
		}
		return fmt.Errorf("%d difference(s) between the cluster and %s; `platform up -stack %s` restores what is declared", len(findings), "Pulumi."+o.stack+".yaml", o.stack)
	default:
		usage()
		return fmt.Errorf("unknown command %q", command)
	}
}

// quiet keeps the engine's progress out of output meant to be read or posted.
func quiet(o engine.Options) engine.Options {
	o.Progress = nil
	return o
}

func printOutputs(ctx context.Context, s *engine.Stack, showSecrets bool) error {
	out, err := s.OutputsJSON(ctx, showSecrets)
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

// validate checks a stack file offline and says so, or returns every problem.
func validate(dir, stack string) error {
	platform, err := stacks.ValidateFile(dir, stack)
	if err != nil {
		return fmt.Errorf("Pulumi.%s.yaml: %w", stack, err)
	}
	names := make([]string, len(platform.Services))
	for i, s := range platform.Services {
		names[i] = s.Name + " (" + string(s.Strategy) + ")"
	}
	fmt.Printf("Pulumi.%s.yaml is valid: %s cluster, %d services: %s\n", stack, platform.Cluster.Kind, len(names), strings.Join(names, ", "))
	return nil
}

// deployPlan prints, as a JSON object of stack → bool, which stacks a merge
// that changed the paths read from in (one per line) brings up.
func deployPlan(in io.Reader, chainFile string, deployable []string, all bool) error {
	chain, err := release.LoadChain(chainFile)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	plan := map[string]bool{}
	for _, stack := range deployable {
		plan[stack] = false
	}
	for _, stack := range release.StacksToDeploy(chain, deployable, strings.Fields(string(data)), all) {
		plan[stack] = true
	}
	out, err := json.Marshal(plan)
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}
