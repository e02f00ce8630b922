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

	"github.com/cloudnative-pac/platform/model"
)

// configurationPage is the docs page holding the config reference.
const configurationPage = "docs/configuration.md"

// configReference reads the config reference table into key → the
// default shown for it. A row names one key or several (`a.{b,c}`, or
// `x`, `y`); a default cell of as many comma-separated values gives each its own.
func configReference(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), configurationPage))
	require.NoError(t, err)
	section := string(data)
	start := strings.Index(section, "## Config reference")
	require.GreaterOrEqual(t, start, 0, "%s has a config reference", configurationPage)
	section = section[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	defaults := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := splitRow(line)
		if len(cells) != 3 || !strings.HasPrefix(cells[0], "`") {
			continue
		}
		keys := expandKeys(cells[0])
		values := []string{cells[2]}
		if parts := strings.Split(cells[2], ", "); len(keys) > 1 && len(parts) == len(keys) {
			values = parts
		}
		for i, k := range keys {
			defaults[k] = strings.Trim(values[min(i, len(values)-1)], "` ")
		}
	}
	return defaults
}

// splitRow splits a Markdown table row on the bars that are not escaped.
func splitRow(line string) []string {
	if !strings.HasPrefix(line, "|") {
		return nil
	}
	var cells []string
	for _, cell := range regexp.MustCompile(`\s\|\s|^\|\s|\s\|$`).Split(line, -1) {
		if cell = strings.TrimSpace(cell); cell != "" || len(cells) > 0 {
			cells = append(cells, cell)
		}
	}
	if n := len(cells); n > 0 && cells[n-1] == "" {
		cells = cells[:n-1]
	}
	return cells
}

var backticked = regexp.MustCompile("`([^`]+)`")

// expandKeys turns "`services[].resources.{cpuRequest,memoryRequest}`" into its keys.
func expandKeys(cell string) []string {
	var keys []string
	for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
		key := strings.ReplaceAll(m[1], `\|`, "|")
		open := strings.Index(key, "{")
		if open < 0 {
			keys = append(keys, key)
			continue
		}
		closing := strings.Index(key, "}")
		for _, part := range strings.Split(key[open+1:closing], ",") {
			keys = append(keys, key[:open]+part+key[closing+1:])
		}
	}
	return keys
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
