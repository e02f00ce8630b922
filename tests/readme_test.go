package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/docs"
	"github.com/cloudnative-pac/platform/model"
)

// configurationPage is the docs page holding the config reference.
const configurationPage = docs.ConfigurationPage

// configReference reads the config reference table into key → the default
// shown for it (docs.ConfigReference, which the stack-file schema reads too).
func configReference(t *testing.T) map[string]string {
	t.Helper()
	entries, err := docs.ConfigReference()
	require.NoError(t, err)
	defaults := map[string]string{}
	for _, e := range entries {
		defaults[e.Key] = e.Default
	}
	return defaults
}

// TestReadme_ConfigReferenceShowsTheModelsDefaults keeps the docs' table in
// step with model.Defaults, the one definition Decode reads.
func TestReadme_ConfigReferenceShowsTheModelsDefaults(t *testing.T) {
	documented := configReference(t)
	for _, d := range model.Defaults() {
		shown, ok := documented[d.Key]
		if assert.True(t, ok, "the config reference (%s) has no row for %s", configurationPage, d.Key) {
			assert.Equal(t, d.Value, shown, "default of %s", d.Key)
		}
	}
}

// The config reference's port row lists exactly the ports the model refuses as Istio's.
func TestReadme_ReservedPortsAreTheModels(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), configurationPage))
	require.NoError(t, err)
	var row string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "| `services[].port`") {
			row = line
		}
	}
	require.NotEmpty(t, row, "the config reference has a row for services[].port")
	listed := map[int]bool{}
	for _, n := range regexp.MustCompile(`\b15\d{3}\b`).FindAllString(row, -1) {
		port, _ := strconv.Atoi(n)
		listed[port] = true
	}
	reserved := map[int]bool{}
	for port := range model.IstioReservedPorts {
		reserved[port] = true
	}
	assert.Equal(t, reserved, listed)
}

// The front door stays a front door.
func TestReadme_IsShort(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	require.NoError(t, err)
	assert.LessOrEqual(t, strings.Count(string(data), "\n"), 150, "README.md: move detail into docs/")
}

var (
	markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	fencedCode   = regexp.MustCompile("(?ms)^```.*?^```")
	codeSpan     = regexp.MustCompile("`[^`\n]*`")
)

// TestReadme_LinksResolve: every relative link of the README and the docs
// names a file that exists and, with a #fragment, a heading of that file.
func TestReadme_LinksResolve(t *testing.T) {
	root := repoRoot(t)
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	pages = append(pages, filepath.Join(root, "README.md"))
	for _, page := range pages {
		data, err := os.ReadFile(page)
		require.NoError(t, err)
		// Code (fenced or inline) holds no links, whatever it looks like.
		text := codeSpan.ReplaceAllString(fencedCode.ReplaceAllString(string(data), ""), "")
		for _, m := range markdownLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, fragment, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			rel, _ := filepath.Rel(root, page)
			if !assert.FileExists(t, path, "%s links to %s", rel, target) || fragment == "" {
				continue
			}
			assert.Contains(t, headingSlugs(t, path), fragment, "%s links to %s: no such heading", rel, target)
		}
	}
}

// headingSlugs are the anchors GitHub gives a Markdown file's headings.
func headingSlugs(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var slugs []string
	inCode := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		var b strings.Builder
		for _, r := range text {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		slugs = append(slugs, b.String())
	}
	return slugs
}
