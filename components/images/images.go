// Package images builds the sample services' images where a cluster can run
// them without a registry: into minikube, with `minikube image build` from each
// app's Dockerfile, before the Deployments that use them.
package images

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-command/sdk/go/command/local"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/apps"
)

// MinikubeArgs say which images to build into which minikube profile.
type MinikubeArgs struct {
	Profile string
	// AppsDir is the apps/ directory of the project; the build context is its parent.
	AppsDir string
	// Images are the release's images; those named .../<app>:<version> after a
	// sample service are built, the others left to the cluster to pull.
	Images []string
	// Cluster is the minikube cluster: every build waits for it (a dependency
	// of this component would not reach its commands).
	Cluster pulumi.Resource
}

// Minikube is one build command per sample image.
type Minikube struct {
	pulumi.ResourceState

	Builds []*local.Command
}

// Sample is an image reference the sample services can produce.
type Sample struct {
	Ref, App, Version string
}

// Samples picks, in a stable order, the images that name a sample service
// with a tag (a digest is a built image already, not something to build).
func Samples(images []string) []Sample {
	var out []Sample
	seen := map[string]bool{}
	for _, ref := range images {
		if seen[ref] || strings.Contains(ref, "@") {
			continue
		}
		seen[ref] = true
		name := ref[strings.LastIndex(ref, "/")+1:]
		app, version, tagged := strings.Cut(name, ":")
		if tagged && slices.Contains(apps.Names, app) {
			out = append(out, Sample{Ref: ref, App: app, Version: version})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// NewMinikube registers the builds. A change to an app's sources rebuilds its
// images; destroy removes them from minikube.
func NewMinikube(ctx *pulumi.Context, name string, args *MinikubeArgs, opts ...pulumi.ResourceOption) (*Minikube, error) {
	m := &Minikube{}
	if err := ctx.RegisterComponentResource("cloudnative:images:Minikube", name, m, opts...); err != nil {
		return nil, err
	}
	context := filepath.Dir(args.AppsDir)
	var after []pulumi.Resource
	if args.Cluster != nil {
		after = append(after, args.Cluster)
	}
	built := pulumi.StringArray{}
	for _, s := range Samples(args.Images) {
		sources, err := sourcesDigest(filepath.Join(args.AppsDir, s.App), filepath.Join(args.AppsDir, "internal"))
		if err != nil {
			return nil, fmt.Errorf("images: %s: %w", s.App, err)
		}
		build, err := local.NewCommand(ctx, name+"-"+s.App+"-"+s.Version, &local.CommandArgs{
			Create: pulumi.Sprintf("minikube --profile %s image build --tag %s --file apps/%s/Dockerfile --build-opt build-arg=VERSION=%s .",
				args.Profile, s.Ref, s.App, s.Version),
			Delete:   pulumi.Sprintf("minikube --profile %s image rm %s", args.Profile, s.Ref),
			Dir:      pulumi.String(context),
			Triggers: pulumi.Array{pulumi.String(s.Ref), pulumi.String(sources)},
		}, pulumi.Parent(m), pulumi.DependsOn(after))
		if err != nil {
			return nil, err
		}
		m.Builds = append(m.Builds, build)
		built = append(built, pulumi.String(s.Ref))
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"images": built})
}

// sourcesDigest hashes the files (names and contents) of an app and of what
// the apps share, so that a build reruns exactly when they change.
func sourcesDigest(dirs ...string) (string, error) {
	h := sha256.New()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%d\x00", path[len(filepath.Dir(dir)):], len(data))
			h.Write(data)
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
