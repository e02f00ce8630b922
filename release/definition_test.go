package release

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

// leafPaths lists every settable leaf of model.Release (strings, colours,
// numbers), as paths of field indexes, so the tests below cover a field added
// to the definition without being edited.
func leafPaths(t reflect.Type, prefix []int) [][]int {
	var paths [][]int
	for i := range t.NumField() {
		ft := t.Field(i).Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		path := append(append([]int(nil), prefix...), i)
		if ft.Kind() == reflect.Struct {
			paths = append(paths, leafPaths(ft, path)...)
			continue
		}
		paths = append(paths, path)
	}
	return paths
}

// fieldAt walks a path, allocating nil blocks, and returns the leaf.
func fieldAt(v reflect.Value, path []int) (reflect.Value, reflect.StructField) {
	var f reflect.StructField
	for _, i := range path {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		f = v.Type().Field(i)
		v = v.Field(i)
	}
	return v, f
}

// changed gives a leaf a new value that is still valid config.
func changed(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		switch {
		case v.Type() == reflect.TypeOf(model.Colour("")):
			v.SetString(string(model.Green))
		case strings.Contains(v.String(), "/"):
			v.SetString(v.String() + "-next")
		default:
			v.SetString(v.String() + "x")
		}
	case reflect.Int:
		v.SetInt(v.Int() + 7)
	default:
		t.Fatalf("a release field of kind %s: teach changed() about it", v.Kind())
	}
}

const definitionStack = `config:
  cloudnative:cluster:
    kind: existing
    existing:
      kubeconfigPath: kubeconfig
  cloudnative:app:
    propertiesFile: application.properties
  cloudnative:services:
    - name: web
      strategy: ramped
      image: r/web:1
    - name: site
      strategy: blueGreen
      blueGreen: {blueImage: r/site:1, greenImage: r/site:2, active: blue}
    - name: api
      strategy: canary
      canary:
        stableImage: r/api:1
        canaryImage: r/api:2
        weight: 10
        match: {header: channel, exact: mobile}
`

// TestRelease_EveryFieldTravelsFromTheOneDefinition changes each leaf of
// model.Release in turn and checks that promotion carries it: the change list
// names it, the stack file is written with it, and the model decodes it back.
func TestRelease_EveryFieldTravelsFromTheOneDefinition(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kubeconfig"), []byte("apiVersion: v1\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "application.properties"), []byte("a=b\n"), 0o644))
	decode := func(f *StackFile) *model.Platform {
		raw, err := f.Raw("dev")
		require.NoError(t, err)
		p, err := model.Decode(raw, dir)
		require.NoError(t, err)
		return p
	}
	source, err := ParseStackFile([]byte(definitionStack))
	require.NoError(t, err)
	base := FromModel(decode(source))

	tested := 0
	for _, path := range leafPaths(reflect.TypeOf(model.Release{}), nil) {
		for _, name := range base.Names() {
			svc := base[name]
			svc.Release = svc.Release.Copy()
			rv := reflect.ValueOf(&svc.Release).Elem()
			// Only fields of the block this strategy has.
			if block := rv.Field(path[0]); block.Kind() == reflect.Pointer && block.IsNil() || len(path) == 1 && block.IsZero() {
				continue
			}
			leaf, field := fieldAt(rv, path)
			if leaf.IsZero() {
				continue // a setting this config leaves out (one match kind of three)
			}
			changed(t, leaf)
			want := fmt.Sprint(leaf.Interface())
			next := Release{}
			for k, v := range base {
				next[k] = v
			}
			next[name] = svc
			tested++

			lines := Changes(base, next)
			require.Len(t, lines, 1, "%s.%s: one change", name, field.Name)
			if label, _, _ := strings.Cut(field.Tag.Get("change"), ","); label != "" {
				assert.True(t, strings.HasPrefix(lines[0], name+" "+label+" "), "the change list names %s by its tag: %s", field.Name, lines[0])
			}

			target, err := ParseStackFile([]byte(definitionStack))
			require.NoError(t, err)
			require.NoError(t, target.SetRelease(next, nil))
			got := FromModel(decode(target))[name]
			gotLeaf, _ := fieldAt(reflect.ValueOf(&got.Release).Elem(), path)
			assert.Equal(t, want, fmt.Sprint(gotLeaf.Interface()), "%s.%s written and decoded back", name, field.Name)
		}
	}
	assert.Equal(t, 9, tested, "every leaf of the three strategies' releases was changed once")
}
