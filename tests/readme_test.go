package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

// configReference reads the README's config reference table into key → the
// default shown for it. A row names one key or several (`a.{b,c}`, or
// `x`, `y`); a default cell of as many comma-separated values gives each its own.
func configReference(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	require.NoError(t, err)
	section := string(data)
	start := strings.Index(section, "## Config reference")
	require.GreaterOrEqual(t, start, 0, "the README has a config reference")
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

// TestReadme_ConfigReferenceShowsTheModelsDefaults keeps the README's table in
// step with model.Defaults, the one definition Decode reads.
func TestReadme_ConfigReferenceShowsTheModelsDefaults(t *testing.T) {
	documented := configReference(t)
	for _, d := range model.Defaults() {
		shown, ok := documented[d.Key]
		if assert.True(t, ok, "the README's config reference has no row for %s", d.Key) {
			assert.Equal(t, d.Value, shown, "default of %s", d.Key)
		}
	}
}

// The README's port row lists exactly the ports the model refuses as Istio's.
func TestReadme_ReservedPortsAreTheModels(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
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
