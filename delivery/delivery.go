// Package delivery promotes a release from one stack to the next, rolls a stack
// back to the release it had before, and renders a stack's preview as the
// markdown a pull-request comment carries. Promotion writes the target's
// Pulumi.<stack>.yaml, so it is a reviewable diff rather than a live link.
package delivery

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudnative-pac/platform/engine"
	"github.com/cloudnative-pac/platform/release"
)

// Then says what to do with the target after its file is written.
type Then string

const (
	WriteOnly Then = ""
	Preview   Then = "preview"
	Apply     Then = "apply"
)

// Workspace opens the project's stacks.
type Workspace struct {
	// Engine carries the project directory, backend and passphrase; Stack is set per call.
	Engine engine.Options
	// Out receives the changes in plain words.
	Out io.Writer
}

func (w Workspace) open(ctx context.Context, stack string) (*engine.Stack, error) {
	opts := w.Engine
	opts.Stack = stack
	return engine.Open(ctx, opts)
}

func (w Workspace) stackFile(stack string) string {
	return filepath.Join(w.Engine.ProjectDir, "Pulumi."+stack+".yaml")
}

// deployed returns the release a stack has deployed, or false if it has none.
func (w Workspace) deployed(ctx context.Context, s *engine.Stack) (release.Release, bool, error) {
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, false, err
	}
	value, ok := outs["release"].Value.(string)
	if !ok {
		return nil, false, nil
	}
	r, err := release.Parse(value)
	return r, err == nil, err
}

// Promotion moves the release From has deployed into To's stack file.
type Promotion struct {
	From, To    string
	Chain       release.Chain
	AllowCanary bool
	Force       bool
	Then        Then
}

// Promote checks every guard, then writes the target file and prints the changes.
// A refused promotion leaves the target's file and stack untouched.
func (w Workspace) Promote(ctx context.Context, p Promotion) ([]string, error) {
	if err := p.Chain.CheckOrder(p.From, p.To, p.Force); err != nil {
		return nil, err
	}
	source, err := w.open(ctx, p.From)
	if err != nil {
		return nil, err
	}
	defer source.Close()
	rel, ok, err := w.deployed(ctx, source)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("refused: %s has not been deployed: there is no release to promote", p.From)
	}
	if _, err := source.Preview(ctx, true); err != nil {
		return nil, fmt.Errorf("refused: %s is not up to date with its config; run up there first (%v)", p.From, firstLine(err))
	}
	if err := release.CheckCanaries(rel, p.AllowCanary); err != nil {
		return nil, err
	}
	if err := p.Chain.CheckPinned(p.To, rel); err != nil {
		return nil, err
	}

	target, err := w.open(ctx, p.To)
	if err != nil {
		return nil, err
	}
	defer target.Close()
	file, err := w.readStackFile(p.To)
	if err != nil {
		return nil, err
	}
	// What the target runs now is what a rollback returns to: its deployed
	// release, or what its file says if it was never deployed.
	previous, ok, err := w.deployed(ctx, target)
	if err != nil {
		return nil, err
	}
	if !ok {
		if previous, err = file.Release(); err != nil {
			return nil, err
		}
	}
	if err := file.SetRelease(rel, previous); err != nil {
		return nil, err
	}
	return w.finish(ctx, target, p.To, file, previous, rel, p.Then)
}

// PinImage writes a newly built image, by digest, into a stack's file where the
// service's strategy takes a new version (release.Service.WithNewImage), and
// records the release before it for a rollback. CI runs it after pushing the
// images, then opens a pull request with the file.
func (w Workspace) PinImage(stack, service, image string) ([]string, error) {
	file, err := w.readStackFile(stack)
	if err != nil {
		return nil, err
	}
	current, err := file.Release()
	if err != nil {
		return nil, err
	}
	svc, ok := current[service]
	if !ok {
		return nil, fmt.Errorf("%s has no service %s (it runs %s)", stack, service, strings.Join(current.Names(), ", "))
	}
	next := release.Release{}
	for name, s := range current {
		next[name] = s
	}
	if next[service], err = svc.WithNewImage(image); err != nil {
		return nil, err
	}
	if err := file.SetRelease(next, current); err != nil {
		return nil, err
	}
	return w.finish(context.Background(), nil, stack, file, current, next, WriteOnly)
}

// Rollback puts a stack back to the release recorded before its last promotion.
func (w Workspace) Rollback(ctx context.Context, stack string, then Then) ([]string, error) {
	file, err := w.readStackFile(stack)
	if err != nil {
		return nil, err
	}
	previous, ok, err := file.Previous()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("refused: %s records no previous release to roll back to", stack)
	}
	current, err := file.Release()
	if err != nil {
		return nil, err
	}
	if err := file.SetRelease(previous, current); err != nil {
		return nil, err
	}
	target, err := w.open(ctx, stack)
	if err != nil {
		return nil, err
	}
	defer target.Close()
	return w.finish(ctx, target, stack, file, current, previous, then)
}

func (w Workspace) readStackFile(stack string) (*release.StackFile, error) {
	data, err := os.ReadFile(w.stackFile(stack))
	if err != nil {
		return nil, err
	}
	return release.ParseStackFile(data)
}

// finish writes the target file, prints the changes, then previews or applies.
func (w Workspace) finish(ctx context.Context, target *engine.Stack, stack string, file *release.StackFile, before, after release.Release, then Then) ([]string, error) {
	data, err := file.Bytes()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(w.stackFile(stack), data, 0o644); err != nil {
		return nil, err
	}
	changes := release.Changes(before, after)
	if w.Out != nil {
		fmt.Fprintf(w.Out, "%s: %d release change(s) written to %s\n", stack, len(changes), filepath.Base(w.stackFile(stack)))
		for _, c := range changes {
			fmt.Fprintln(w.Out, "  "+c)
		}
	}
	switch then {
	case Preview:
		_, err = target.Preview(ctx, false)
	case Apply:
		_, err = target.Up(ctx)
	}
	return changes, err
}

func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
