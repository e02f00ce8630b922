package model

import (
	"fmt"
	"strings"
)

// ConfigError lists every problem found in a stack's config, each naming its key.
type ConfigError struct {
	Problems []string
}

func (e *ConfigError) Error() string {
	return "invalid stack config:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// problems collects findings while decoding, so a user sees all of them at once.
type problems struct{ list []string }

func (p *problems) add(key, format string, args ...any) {
	p.list = append(p.list, key+": "+fmt.Sprintf(format, args...))
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ConfigError{Problems: p.list}
}
