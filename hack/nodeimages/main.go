// Command nodeimages builds the images the local cluster's real node runs,
// without a container daemon: its pause image and every sample-service image a
// stack file names (.../<app>:<version>), each written as a docker-archive
// tarball for `ctr images import`, plus any image named with -image, and with
// -unhealthy a sample image whose /health fails (the end-to-end tests' broken
// release), with -env a sample image with a variable set in its environment
// (the faulty canaries: apps.ErrorPercentEnv, apps.LatencyEnv). A tarball
// whose sources have not changed is kept, so a second run costs only the
// hashing. Prints the tarballs' paths.
//
//	nodeimages -out DIR -pause REF [-image REF]... [-unhealthy REF]... [-env REF=KEY=VALUE]... [STACKFILE...]
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/cloudnative-pac/platform/apps"
	"github.com/cloudnative-pac/platform/internal/appbuild"
	"github.com/cloudnative-pac/platform/internal/images"
)

func main() {
	out := flag.String("out", "", "directory for the tarballs")
	pause := flag.String("pause", "", "reference of the pause image (none if empty)")
	var extra, unhealthy, withEnv refList
	flag.Var(&extra, "image", "a sample image to build besides the stacks' (repeatable)")
	flag.Var(&unhealthy, "unhealthy", "a sample image to build whose /health fails (repeatable)")
	flag.Var(&withEnv, "env", "REF=KEY=VALUE: a sample image to build with KEY=VALUE in its environment (repeatable)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: nodeimages -out DIR -pause REF [-image REF]... [-unhealthy REF]... [-env REF=KEY=VALUE]... [STACKFILE...]")
		os.Exit(2)
	}
	variants := map[string][]string{}
	for _, ref := range unhealthy {
		variants[ref] = append(variants[ref], "TEST_UNHEALTHY=1")
	}
	for _, arg := range withEnv {
		ref, env, ok := strings.Cut(arg, "=")
		if !ok || !strings.Contains(env, "=") {
			fmt.Fprintf(os.Stderr, "nodeimages: -env %s: want REF=KEY=VALUE\n", arg)
			os.Exit(2)
		}
		variants[ref] = append(variants[ref], env)
	}
	if err := run(*out, *pause, flag.Args(), extra, variants); err != nil {
		fmt.Fprintln(os.Stderr, "nodeimages:", err)
		os.Exit(1)
	}
}

// refList is a repeatable flag.
type refList []string

func (r *refList) String() string       { return strings.Join(*r, ",") }
func (r *refList) Set(ref string) error { *r = append(*r, ref); return nil }

// run builds the pause image, the stacks' and extra sample images, and each
// variant: a sample image with variables added to its environment.
func run(out, pause string, stackFiles, extra []string, variants map[string][]string) error {
	appsDir, err := appbuild.AppsDir(".")
	if err != nil {
		return err
	}
	sources, err := treeHash(appsDir)
	if err != nil {
		return err
	}
	refs, err := sampleRefs(stackFiles)
	if err != nil {
		return err
	}
	for _, ref := range append(append([]string{}, extra...), slices.Collect(maps.Keys(variants))...) {
		if !sampleRef.MatchString(ref) {
			return fmt.Errorf("%s names no sample service (.../<%s>:<version>)", ref, strings.Join(apps.Names, "|"))
		}
	}
	refs = append(refs, extra...)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if pause != "" {
		if err := buildPause(out, pause, sources); err != nil {
			return err
		}
	}
	for _, ref := range refs {
		if err := buildSample(appsDir, out, ref, sources, nil); err != nil {
			return err
		}
	}
	for _, ref := range slices.Sorted(maps.Keys(variants)) {
		if err := buildSample(appsDir, out, ref, sources, variants[ref]); err != nil {
			return err
		}
	}
	return nil
}

func buildSample(appsDir, out, ref, sources string, env []string) error {
	app, version := appAndVersion(ref)
	name := fileName(ref, sources)
	if len(env) > 0 {
		sum := sha256.Sum256([]byte(strings.Join(env, "\n")))
		name = "env-" + hex.EncodeToString(sum[:6]) + "-" + name
	}
	tarball := filepath.Join(out, name)
	if _, err := os.Stat(tarball); err == nil {
		fmt.Println(tarball)
		return nil
	}
	img, err := images.Build(appsDir, app, version)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if len(env) > 0 {
		if img, err = images.WithEnv(img, env...); err != nil {
			return err
		}
	}
	if err := images.Save(img, ref, tarball); err != nil {
		return err
	}
	fmt.Println(tarball)
	return nil
}

func buildPause(out, ref, sources string) error {
	tarball := filepath.Join(out, fileName(ref, sources))
	if _, err := os.Stat(tarball); err == nil {
		fmt.Println(tarball)
		return nil
	}
	work, err := os.MkdirTemp("", "pause-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "pause")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./hack/nodeimages/pause")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build pause: %w\n%s", err, output)
	}
	img, err := images.Program(bin, "pause", "1")
	if err != nil {
		return err
	}
	if err := images.Save(img, ref, tarball); err != nil {
		return err
	}
	fmt.Println(tarball)
	return nil
}

// sampleRef matches an image reference naming a sample service with a tag.
var sampleRef = regexp.MustCompile(`[A-Za-z0-9.\-/:]*/(` + strings.Join(apps.Names, "|") + `):[A-Za-z0-9._-]+`)

func sampleRefs(stackFiles []string) ([]string, error) {
	seen := map[string]bool{}
	for _, f := range stackFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, ref := range sampleRef.FindAllString(string(data), -1) {
			seen[ref] = true
		}
	}
	var refs []string
	for ref := range seen {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	return refs, nil
}

func appAndVersion(ref string) (string, string) {
	app, version, _ := strings.Cut(ref[strings.LastIndex(ref, "/")+1:], ":")
	return app, version
}

// fileName names a tarball after its reference and the sources it came from.
func fileName(ref, sources string) string {
	safe := strings.NewReplacer("/", "_", ":", "_").Replace(ref)
	return safe + "-" + sources[:12] + ".tar"
}

// treeHash digests every file under dir (and this command's pause sources):
// a change to any app or to the image builder's inputs makes new tarballs.
func treeHash(dir string) (string, error) {
	h := sha256.New()
	for _, root := range []string{dir, filepath.Join(filepath.Dir(dir), "internal", "images"), filepath.Join(filepath.Dir(dir), "hack", "nodeimages")} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %d\n", path, len(data))
			h.Write(data)
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
