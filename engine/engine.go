// Package engine runs the platform program through the real Pulumi engine with the
// Automation API, the program inline. It is what `pulumi up -s <stack>` does where a
// Go language host is installed, and what cmd/platform and the end-to-end tests use:
// the same Pulumi.yaml, the same Pulumi.<stack>.yaml, the same program.
package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/cloudnative-pac/platform/stacks"
)

// ProjectName is the name in Pulumi.yaml.
const ProjectName = "cloudnative"

// Options say which stack to run and where its state lives.
type Options struct {
	// ProjectDir holds Pulumi.yaml and Pulumi.<stack>.yaml.
	ProjectDir string
	Stack      string
	// BackendURL is the state backend, e.g. file:///path. Defaults to
	// file://<ProjectDir>/.local/state.
	BackendURL string
	// Passphrase encrypts the stack's secrets in the state.
	Passphrase string
	// Progress receives the engine's progress output; nil discards it.
	Progress io.Writer
	// Refresh reads every resource back from the cluster before a preview or an
	// up (as `pulumi up --refresh`), so that changes made behind the program's
	// back show as changes and an up restores what is declared.
	Refresh bool
}

// StackPassphraseVar is the environment variable holding one stack's own
// passphrase (PULUMI_CONFIG_PASSPHRASE_PROD for prod). When set it wins over
// Options.Passphrase, so that a job touching two stacks (a promotion) can hold
// each one's passphrase, and a job touching one holds no other stack's.
func StackPassphraseVar(stack string) string {
	return "PULUMI_CONFIG_PASSPHRASE_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, stack)
}

// passphraseFor picks the stack's own passphrase, then the shared one.
func passphraseFor(opts Options, getenv func(string) string) (string, error) {
	if own := getenv(StackPassphraseVar(opts.Stack)); own != "" {
		return own, nil
	}
	if opts.Passphrase != "" {
		return opts.Passphrase, nil
	}
	return "", fmt.Errorf("a passphrase is required for stack %s's secrets (%s or PULUMI_CONFIG_PASSPHRASE)", opts.Stack, StackPassphraseVar(opts.Stack))
}

// Stack is an opened stack.
type Stack struct {
	auto.Stack
	progress io.Writer
	refresh  bool
	backend  string
	name     string
	// recordPath is the run record's file on file backends, which write
	// their state once per run (runrecord.go); "" elsewhere.
	recordPath string
	// wroteStateFunc replaces the backend's history in unit tests.
	wroteStateFunc func(context.Context, time.Time) bool
	// scratch is the run's private $TMPDIR (scratch.go); Close removes it.
	scratch string
}

// Open selects the stack, creating it in the backend if needed.
func Open(ctx context.Context, opts Options) (*Stack, error) {
	dir, err := filepath.Abs(opts.ProjectDir)
	if err != nil {
		return nil, err
	}
	passphrase, err := passphraseFor(opts, os.Getenv)
	if err != nil {
		return nil, err
	}
	backend := opts.BackendURL
	if backend == "" {
		state := filepath.Join(dir, ".local", "state")
		if err := os.MkdirAll(state, 0o755); err != nil {
			return nil, err
		}
		backend = "file://" + state
	}
	env := map[string]string{
		"PULUMI_BACKEND_URL":       backend,
		"PULUMI_CONFIG_PASSPHRASE": passphrase,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		// No PULUMI_K8S_ENABLE_PATCH_FORCE: the program puts the provider's
		// patch-force annotation on each object itself (stacks.PatchForceAnnotation),
		// so that a plain pulumi up restores a hand edit as this does.
	}
	recordPath := runRecordPath(backend, ProjectName, opts.Stack)
	if recordPath != "" {
		env["PULUMI_SKIP_CHECKPOINTS"] = "true"
	}
	scratch, err := newScratchDir(os.TempDir())
	if err != nil {
		return nil, fmt.Errorf("a private temporary directory for the run: %w", err)
	}
	env["TMPDIR"] = scratch
	s, err := auto.UpsertStackInlineSource(ctx, opts.Stack, ProjectName, stacks.Program(dir),
		auto.WorkDir(dir),
		auto.EnvVars(env),
		auto.SecretsProvider("passphrase"),
	)
	if err != nil {
		_ = os.RemoveAll(scratch)
		return nil, fmt.Errorf("open stack %s: %w", opts.Stack, err)
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	return &Stack{Stack: s, progress: progress, refresh: opts.Refresh, backend: backend, name: opts.Stack, recordPath: recordPath, scratch: scratch}, nil
}
