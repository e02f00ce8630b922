// Package appbuild compiles the sample services, the one way tests and the image
// builder both use: Go binaries static, with the version linked in; the Java
// service as a jar carrying its version.
package appbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// AppsDir is apps/ of the repository, found from a directory inside it.
func AppsDir(from string) (string, error) {
	dir, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "apps", "java-service")); err == nil {
			return filepath.Join(dir, "apps"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no apps/ above %s", from)
		}
		dir = parent
	}
}

// GoBinary builds apps/<name> into out as a static Linux binary.
func GoBinary(apps, name, version, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+version, "-o", out, "./"+name)
	cmd.Dir = apps
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", name, err, output)
	}
	return nil
}

// JavaMainClass is the java-service's entry point.
const JavaMainClass = "cloudnative.JavaService"

// JavaJar compiles apps/java-service with the JDK's javac and packs it, with
// version.txt, into the jar at out.
func JavaJar(apps, version, out string) error {
	work, err := os.MkdirTemp("", "java-service-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	classes := filepath.Join(work, "classes")
	sources, err := filepath.Glob(filepath.Join(apps, "java-service", "src", "cloudnative", "*.java"))
	if err != nil || len(sources) == 0 {
		return fmt.Errorf("no Java sources under %s: %v", apps, err)
	}
	if err := os.WriteFile(filepath.Join(work, "version.txt"), []byte(version+"\n"), 0o644); err != nil {
		return err
	}
	steps := [][]string{
		append([]string{"javac", "--release", "17", "-d", classes}, sources...),
		{"jar", "--create", "--file", out, "--main-class", JavaMainClass, "-C", classes, ".", "-C", work, "version.txt"},
	}
	for _, step := range steps {
		if output, err := exec.Command(step[0], step[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w\n%s", step[0], err, output)
		}
	}
	return nil
}
