// Package docs holds the user documentation and reads the one part of it that
// other things derive from: the config reference of configuration.md, whose
// meanings the stack-file schema carries into editors.
package docs

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

//go:embed configuration.md
var configuration string

// ConfigurationPage is the page holding the config reference, from the repo's root.
const ConfigurationPage = "docs/configuration.md"

// Entry is one key of the config reference: what it means and the default
// the table shows for it.
type Entry struct {
	Key, Meaning, Default string
}

// ConfigReference reads the config reference table, one entry per key. A row
// names one key or several (`a.{b,c}`, `x`, `y`, or `a.b` / `.c` for a sibling
// of the key before); a default cell of as many comma-separated values as
// keys gives each its own.
func ConfigReference() ([]Entry, error) {
	return parseReference(configuration)
}

func parseReference(page string) ([]Entry, error) {
	start := strings.Index(page, "## Config reference")
	if start < 0 {
		return nil, fmt.Errorf("%s has no \"## Config reference\" section", ConfigurationPage)
	}
	section := page[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	var entries []Entry
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
			entries = append(entries, Entry{Key: k, Meaning: strings.ReplaceAll(cells[1], `\|`, "|"), Default: strings.Trim(values[min(i, len(values)-1)], "` ")})
		}
	}
	return entries, nil
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
		if strings.HasPrefix(key, ".") && len(keys) > 0 {
			previous := keys[len(keys)-1]
			key = previous[:strings.LastIndex(previous, ".")] + key
		}
		open := strings.Index(key, "{")
		if open < 0 {
			keys = append(keys, key)
			continue
		}
		closing := strings.Index(key, "}")
		for _, part := range strings.Split(key[open+1:closing], ",") {
			for _, alternative := range strings.Split(part, "|") {
				keys = append(keys, key[:open]+alternative+key[closing+1:])
			}
		}
	}
	return keys
}
