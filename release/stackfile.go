package release

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/model"
)

// Keys of the stack file that hold releases.
const (
	servicesKey = model.Namespace + ":services"
	previousKey = model.Namespace + ":" + model.PreviousReleaseKey
)

// StackFile is a Pulumi.<stack>.yaml being edited; comments and every setting
// outside the release fields are kept as written.
type StackFile struct {
	doc yaml.Node
}

// ParseStackFile reads a stack file.
func ParseStackFile(data []byte) (*StackFile, error) {
	f := &StackFile{}
	if err := yaml.Unmarshal(data, &f.doc); err != nil {
		return nil, fmt.Errorf("stack file: %w", err)
	}
	if f.config() == nil {
		return nil, fmt.Errorf("stack file has no config section")
	}
	return f, nil
}

// Bytes renders the edited file.
func (f *StackFile) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&f.doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// Release reads the release written in the file.
func (f *StackFile) Release() (Release, error) {
	services := lookup(f.config(), servicesKey)
	if services == nil || services.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("stack file has no %s list", servicesKey)
	}
	r := Release{}
	for _, node := range services.Content {
		var svc struct {
			Name    string `yaml:"name"`
			Service `yaml:",inline"`
		}
		if err := node.Decode(&svc); err != nil {
			return nil, fmt.Errorf("%s: %w", servicesKey, err)
		}
		r[svc.Name] = svc.Service
	}
	return r, nil
}

// Previous reads the release recorded before the last promotion, if any.
func (f *StackFile) Previous() (Release, bool, error) {
	node := lookup(f.config(), previousKey)
	if node == nil {
		return nil, false, nil
	}
	var r Release
	if err := node.Decode(&r); err != nil {
		return nil, false, fmt.Errorf("%s: %w", previousKey, err)
	}
	return r, true, nil
}

// SetRelease writes the release fields of every service it names, and records
// previous so that it can be rolled back to. Every service must exist in the
// file: which services an environment runs is not part of a release.
func (f *StackFile) SetRelease(r Release, previous Release) error {
	services := lookup(f.config(), servicesKey)
	if services == nil || services.Kind != yaml.SequenceNode {
		return fmt.Errorf("stack file has no %s list", servicesKey)
	}
	found := map[string]bool{}
	for _, node := range services.Content {
		name := scalar(lookup(node, "name"))
		svc, ok := r[name]
		if !ok {
			continue
		}
		found[name] = true
		if err := setService(node, svc); err != nil {
			return fmt.Errorf("service %s: %w", name, err)
		}
	}
	for _, name := range r.Names() {
		if !found[name] {
			return fmt.Errorf("the target stack has no service %s: add it there before promoting", name)
		}
	}
	if previous != nil {
		return set(f.config(), previousKey, previous)
	}
	return nil
}

// setService writes a service's release. The strategy itself belongs to the
// environment (dev may recreate where prod ramps), so it is kept; only strategies
// with the same release shape can take each other's release.
func setService(node *yaml.Node, svc Service) error {
	current := scalar(lookup(node, "strategy"))
	if shape(current) != shape(svc.Strategy) {
		return fmt.Errorf("runs %s here and %s in the source: their releases do not fit each other", current, svc.Strategy)
	}
	// Every key of model.Release, by its yaml tag: a setting the release
	// lacks (another strategy's block) is removed.
	v, t := reflect.ValueOf(svc.Release), reflect.TypeOf(svc.Release)
	for i := range t.NumField() {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if v.Field(i).IsZero() {
			remove(node, key)
			continue
		}
		if err := set(node, key, v.Field(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

// shape groups strategies whose releases look alike: one image, or their own state.
func shape(strategy string) string {
	if strategy == "recreate" || strategy == "ramped" {
		return "single image"
	}
	return strategy
}

func (f *StackFile) config() *yaml.Node {
	if len(f.doc.Content) == 0 {
		return nil
	}
	return lookup(f.doc.Content[0], "config")
}

// lookup finds a key's value in a mapping node.
func lookup(mapping *yaml.Node, key string) *yaml.Node {
	if mapping == nil || mapping.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i+1]
		}
	}
	return nil
}

// set replaces a key's value in a mapping node, or appends the key. A
// mapping replacing a mapping is merged key by key, so the comments on the
// values that stay are kept.
func set(mapping *yaml.Node, key string, value any) error {
	var encoded yaml.Node
	if err := encoded.Encode(value); err != nil {
		return err
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			merge(mapping.Content[i+1], &encoded)
			return nil
		}
	}
	mapping.Content = append(mapping.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &encoded)
	return nil
}

// merge makes node hold what encoded holds, keeping node's comments.
func merge(node, encoded *yaml.Node) {
	if node.Kind != yaml.MappingNode || encoded.Kind != yaml.MappingNode {
		head, line := node.HeadComment, node.LineComment
		*node = *encoded
		node.HeadComment, node.LineComment = head, line
		return
	}
	var content []*yaml.Node
	for i := 0; i+1 < len(encoded.Content); i += 2 {
		key, value := encoded.Content[i], encoded.Content[i+1]
		if old := lookupPair(node, key.Value); old != nil {
			merge(old[1], value)
			content = append(content, old[0], old[1])
		} else {
			content = append(content, key, value)
		}
	}
	node.Content = content
}

// lookupPair finds a key and its value in a mapping node.
func lookupPair(mapping *yaml.Node, key string) []*yaml.Node {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i : i+2]
		}
	}
	return nil
}

func remove(mapping *yaml.Node, key string) {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			mapping.Content = append(mapping.Content[:i], mapping.Content[i+2:]...)
			return
		}
	}
}

func scalar(node *yaml.Node) string {
	if node == nil {
		return ""
	}
	return node.Value
}
