package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// checkShape compares a config value with the raw type it decodes into, before
// any decoding, and reports in the user's words and at the full key every key
// the type does not have (with a suggestion when one is close) and every value
// of the wrong kind. encoding/json would stop at the first problem and name Go's
// types and struct fields instead.
func checkShape(data json.RawMessage, into reflect.Type, at string, p *problems) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		p.add(at, "is not valid JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
		return false
	}
	before := len(p.list)
	walkShape(value, into, at, p)
	return len(p.list) == before
}

var intOrStringType = reflect.TypeFor[rawIntOrString]()

func walkShape(value any, t reflect.Type, at string, p *problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if value == nil {
		return // null is "unset", as if the key were left out
	}
	if t == intOrStringType {
		if _, isText := value.(string); !isText && !isWholeNumber(value) {
			p.add(at, "must be a whole number or a percentage like \"25%%\", got %s", describeValue(value))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		object, ok := value.(map[string]any)
		if !ok {
			p.add(at, "must be a map of settings, got %s", describeValue(value))
			return
		}
		fields := jsonFields(t)
		for _, name := range sortedKeys(object) {
			field, known := fields[name]
			if !known {
				p.add(at+"."+name, "is not a known key%s", suggestion(name, sortedKeys(fields)))
				continue
			}
			walkShape(object[name], field, at+"."+name, p)
		}
	case reflect.Map:
		object, ok := value.(map[string]any)
		if !ok {
			p.add(at, "must be a map, got %s", describeValue(value))
			return
		}
		for _, name := range sortedKeys(object) {
			walkShape(object[name], t.Elem(), at+"."+name, p)
		}
	case reflect.Slice:
		list, ok := value.([]any)
		if !ok {
			p.add(at, "must be a list, got %s", describeValue(value))
			return
		}
		for i, item := range list {
			walkShape(item, t.Elem(), ElementKey(at, i, item), p)
		}
	case reflect.String:
		if _, ok := value.(string); !ok {
			p.add(at, "must be text, got %s (quote it in the stack file)", describeValue(value))
		}
	case reflect.Int:
		if !isWholeNumber(value) {
			p.add(at, "must be a whole number, got %s", describeValue(value))
		}
	case reflect.Float64:
		if _, ok := value.(json.Number); !ok {
			p.add(at, "must be a number, got %s", describeValue(value))
		}
	case reflect.Bool:
		if _, ok := value.(bool); !ok {
			p.add(at, "must be true or false, got %s", describeValue(value))
		}
	}
}

// ElementKey names one element of a list key: services[0], or
// services[0](java-service) when the element has a name.
func ElementKey(list string, index int, element any) string {
	if object, ok := element.(map[string]any); ok {
		if name, ok := object["name"].(string); ok && name != "" {
			return fmt.Sprintf("%s[%d](%s)", list, index, name)
		}
	}
	return fmt.Sprintf("%s[%d]", list, index)
}

// jsonFields maps each JSON key of a struct, embedded structs included, to its type.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for name, ft := range jsonFields(f.Type) {
				fields[name] = ft
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	return fields
}

func isWholeNumber(value any) bool {
	n, ok := value.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Int64()
	return err == nil
}

// describeValue renders a value the way the user wrote it.
func describeValue(value any) string {
	switch v := value.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	}
	return fmt.Sprint(value)
}

// suggestion returns ` (did you mean "x"?)` for the known name closest to an
// unknown one, if it is close enough to be a likely typo.
func suggestion(unknown string, known []string) string {
	best, bestDistance := "", len(unknown)/5+2 // a typo or two, not another word
	for _, name := range known {
		if d := editDistance(strings.ToLower(unknown), strings.ToLower(name)); d < bestDistance {
			best, bestDistance = name, d
		}
	}
	if best == "" {
		return fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between two strings.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current := make([]int, len(b)+1)
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous = current
	}
	return previous[len(b)]
}
