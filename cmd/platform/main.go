// Command platform runs a stack of the platform program through the real Pulumi
// engine (Automation API, program inline):
//
//	platform [-stack local] [-dir .] preview|up|destroy|outputs
//
// The pulumi CLI and the pulumi-resource-kubernetes plugin must be on the PATH
// (make tools builds both). State goes to file://<dir>/.local/state unless
// PULUMI_BACKEND_URL says otherwise; PULUMI_CONFIG_PASSPHRASE encrypts secrets.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/cloudnative-pac/platform/engine"
)

func main() {
	// A flag set of its own: the global one carries flags that libraries register.
	flags := flag.NewFlagSet("platform", flag.ExitOnError)
	stack := flags.String("stack", "local", "stack name: Pulumi.<stack>.yaml")
	dir := flags.String("dir", ".", "project directory")
	expectNoChanges := flags.Bool("expect-no-changes", false, "preview: fail if any change is proposed")
	showSecrets := flags.Bool("show-secrets", false, "outputs: print secret values")
	flags.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: platform [flags] preview|up|destroy|outputs")
		flags.PrintDefaults()
	}
	_ = flags.Parse(os.Args[1:])
	if flags.NArg() != 1 {
		flags.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), flags.Arg(0), *stack, *dir, *expectNoChanges, *showSecrets); err != nil {
		fmt.Fprintln(os.Stderr, "platform:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, command, stackName, dir string, expectNoChanges, showSecrets bool) error {
	s, err := engine.Open(ctx, engine.Options{
		ProjectDir: dir,
		Stack:      stackName,
		BackendURL: os.Getenv("PULUMI_BACKEND_URL"),
		Passphrase: os.Getenv("PULUMI_CONFIG_PASSPHRASE"),
		Progress:   os.Stdout,
	})
	if err != nil {
		return err
	}
	switch command {
	case "preview":
		_, err = s.Preview(ctx, expectNoChanges)
		return err
	case "up":
		if _, err = s.Up(ctx); err != nil {
			return err
		}
		return printOutputs(ctx, s, showSecrets)
	case "destroy":
		_, err = s.Destroy(ctx)
		return err
	case "outputs":
		return printOutputs(ctx, s, showSecrets)
	default:
		return fmt.Errorf("unknown command %q (preview, up, destroy, outputs)", command)
	}
}

func printOutputs(ctx context.Context, s *engine.Stack, showSecrets bool) error {
	out, err := s.OutputsJSON(ctx, showSecrets)
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}
