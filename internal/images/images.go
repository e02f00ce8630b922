// Package images builds the sample services' OCI images without a container
// daemon: the Go services as one static binary on a minimal filesystem, the Java
// service on a runtime cut from the machine's JDK with jlink, with the shared
// libraries that runtime loads. Files carry a fixed time, so the same sources
// give the same digest and a built image can be cached by it.
package images

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/cloudnative-pac/platform/apps"
	"github.com/cloudnative-pac/platform/internal/appbuild"
)

// User is the uid and gid the images run as, the pod spec's non-root user.
const User = "10001:10001"

// Port is where every sample service listens.
const Port = "8080"

// Apps are the sample services an image can be built for.
var Apps = apps.Names

// epoch is every file's time: builds are reproducible.
var epoch = time.Unix(0, 0).UTC()

// Build builds app at version from the sources under apps/.
func Build(appsDir, app, version string) (v1.Image, error) {
	work, err := os.MkdirTemp("", "image-"+app+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	sets := [][]file{baseFiles()}
	var entrypoint []string
	switch app {
	case "go-service", "html-frontend":
		bin := filepath.Join(work, app)
		if err := appbuild.GoBinary(appsDir, app, version, bin); err != nil {
			return nil, err
		}
		files, err := fromDisk(map[string]string{"/app": bin})
		if err != nil {
			return nil, err
		}
		sets = append(sets, files)
		entrypoint = []string{"/app"}
	case "java-service":
		runtime, err := javaRuntime(work)
		if err != nil {
			return nil, err
		}
		jar := filepath.Join(work, "java-service.jar")
		if err := appbuild.JavaJar(appsDir, version, jar); err != nil {
			return nil, err
		}
		app, err := fromDisk(map[string]string{"/app/java-service.jar": jar})
		if err != nil {
			return nil, err
		}
		sets = append(sets, runtime, app)
		// The serial collector and a heap share fit the pod's small limits.
		entrypoint = []string{"/opt/java/bin/java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=75", "-jar", "/app/java-service.jar"}
	default:
		return nil, fmt.Errorf("no sample service %q (one of %s)", app, strings.Join(Apps, ", "))
	}
	return assemble(sets, entrypoint, app, version)
}

// assemble packs each file set into a layer of an image.
func assemble(sets [][]file, entrypoint []string, title, version string) (v1.Image, error) {
	var layers []v1.Layer
	for _, files := range sets {
		l, err := layer(files)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	return withConfig(layers, entrypoint, title, version)
}

// withConfig stacks the layers with the configuration every image here shares.
func withConfig(layers []v1.Layer, entrypoint []string, title, version string) (v1.Image, error) {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	return mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: diffIDs(layers)},
		Config: v1.Config{
			Entrypoint:   entrypoint,
			User:         User,
			WorkingDir:   "/",
			Env:          []string{"PATH=/usr/bin:/bin", "PORT=" + Port},
			ExposedPorts: map[string]struct{}{Port + "/tcp": {}},
			Labels:       map[string]string{"org.opencontainers.image.title": title, "org.opencontainers.image.version": version},
		},
	})
}

// Program is an image of one static binary run as the non-root user, for
// helpers such as the real node's pause container.
func Program(binary, title, version string) (v1.Image, error) {
	files, err := fromDisk(map[string]string{"/" + title: binary})
	if err != nil {
		return nil, err
	}
	return assemble([][]file{baseFiles(), files}, []string{"/" + title}, title, version)
}

// WithEnv adds environment variables to an image's configuration.
func WithEnv(img v1.Image, env ...string) (v1.Image, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Config.Env = append(cfg.Config.Env, env...)
	return mutate.ConfigFile(img, cfg)
}

func diffIDs(layers []v1.Layer) []v1.Hash {
	out := make([]v1.Hash, 0, len(layers))
	for _, l := range layers {
		h, _ := l.DiffID()
		out = append(out, h)
	}
	return out
}

// Save writes the image as a docker-archive tarball tagged ref, the form
// `ctr images import` and `minikube image load` take.
func Save(img v1.Image, ref, path string) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return tarball.WriteToFile(path, tag, img)
}

// file is one entry of a layer.
type file struct {
	path string
	mode int64
	dir  bool
	data []byte
}

// baseFiles are what every image needs besides its program: a passwd entry for
// the non-root user (some runtimes look up the user's home) and a /tmp.
func baseFiles() []file {
	return []file{
		{path: "/etc", mode: 0o755, dir: true},
		{path: "/etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001:app:/tmp:/sbin/nologin\n")},
		{path: "/etc/group", mode: 0o644, data: []byte("root:x:0:\napp:x:10001:\n")},
		{path: "/tmp", mode: 0o1777, dir: true},
	}
}

// fromDisk reads files from the machine: image path → local path.
func fromDisk(paths map[string]string) ([]file, error) {
	var out []file
	for inImage, local := range paths {
		data, err := os.ReadFile(local)
		if err != nil {
			return nil, err
		}
		info, err := os.Stat(local)
		if err != nil {
			return nil, err
		}
		out = append(out, file{path: inImage, mode: int64(info.Mode().Perm()), data: data})
	}
	return out, nil
}

// layer packs files, with their parent directories, into an uncompressed tar layer.
func layer(files []file) (v1.Layer, error) {
	dirs := map[string]bool{}
	var all []file
	for _, f := range files {
		for d := filepath.Dir(f.path); d != "/" && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
			all = append(all, file{path: d, mode: 0o755, dir: true})
		}
		if f.dir {
			if dirs[f.path] {
				continue
			}
			dirs[f.path] = true
		}
		all = append(all, f)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].path < all[j].path })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range all {
		h := &tar.Header{Name: strings.TrimPrefix(f.path, "/"), Mode: f.mode, ModTime: epoch, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if !f.dir {
			if _, err := tw.Write(f.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

// javaRuntime cuts a runtime holding only the modules the service uses from the
// machine's JDK (jlink), under /opt/java, with every shared library it loads.
func javaRuntime(work string) ([]file, error) {
	out := filepath.Join(work, "runtime")
	cmd := exec.Command("jlink", "--add-modules", "java.base,jdk.httpserver", "--strip-debug", "--no-header-files",
		"--no-man-pages", "--output", out)
	if output, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("jlink: %w\n%s", err, output)
	}
	var files []file
	var elves []string
	err := filepath.Walk(out, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		inImage := filepath.Join("/opt/java", rel)
		if info.IsDir() {
			files = append(files, file{path: inImage, mode: int64(info.Mode().Perm()), dir: true})
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(data, []byte("\x7fELF")) {
			elves = append(elves, path)
		}
		files = append(files, file{path: inImage, mode: int64(info.Mode().Perm()), data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	libs, err := sharedLibraries(elves, out)
	if err != nil {
		return nil, err
	}
	for _, lib := range libs {
		data, err := os.ReadFile(lib) // follows the symlink: the image holds the file
		if err != nil {
			return nil, err
		}
		files = append(files, file{path: lib, mode: 0o755, data: data})
	}
	return files, nil
}

var lddPath = regexp.MustCompile(`(?:=>\s+)?(/\S+)\s+\(0x`)

// sharedLibraries lists, with ldd, the system libraries the ELF files load.
// The runtime's own libraries are in the image already; ldd may not find them
// (the launcher finds libjvm.so itself), which is no error.
func sharedLibraries(elves []string, runtime string) ([]string, error) {
	own := map[string]bool{}
	for _, elf := range elves {
		own[filepath.Base(elf)] = true
	}
	seen := map[string]bool{}
	for _, elf := range elves {
		output, err := exec.Command("ldd", elf).CombinedOutput()
		if err != nil {
			// Not a dynamic executable (a static helper): nothing to add.
			continue
		}
		for _, line := range strings.Split(string(output), "\n") {
			if lib, _, missing := strings.Cut(strings.TrimSpace(line), " => not found"); missing {
				if own[lib] {
					continue
				}
				return nil, fmt.Errorf("%s needs %s, which this machine lacks", elf, lib)
			}
			m := lddPath.FindStringSubmatch(line)
			if m == nil || strings.HasPrefix(m[1], runtime) {
				continue
			}
			seen[m[1]] = true
		}
	}
	var libs []string
	for lib := range seen {
		libs = append(libs, lib)
	}
	sort.Strings(libs)
	return libs, nil
}
