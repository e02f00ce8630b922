package release

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/cloudnative-pac/platform/model"
)

// fieldText is one release setting in plain words: its label (the field's
// `change` tag) and its value as people read it.
type fieldText struct {
	label, text string
}

type describer interface{ Describe() string }

// fieldTexts walks a release by reflection, so a field added to model.Release
// (or to a strategy's block) shows up in change lists without code here.
// Blocks that are nil still list their fields, empty: a pair going away
// shows what it had.
func fieldTexts(r model.Release) []fieldText {
	var out []fieldText
	walkFields(reflect.ValueOf(r), reflect.TypeOf(r), &out)
	return out
}

func walkFields(v reflect.Value, t reflect.Type, out *[]fieldText) {
	for i := range t.NumField() {
		f := t.Field(i)
		fv := reflect.Value{}
		if v.IsValid() {
			fv = v.Field(i)
		}
		tag := f.Tag.Get("change")
		label, options, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
			if fv.IsValid() {
				if fv.IsNil() {
					fv = reflect.Value{}
				} else {
					fv = fv.Elem()
				}
			}
		}
		if tag == "" && ft.Kind() == reflect.Struct {
			walkFields(fv, ft, out)
			continue
		}
		if label == "" {
			label, _, _ = strings.Cut(f.Tag.Get("yaml"), ",")
		}
		*out = append(*out, fieldText{label: label, text: valueText(fv, options)})
	}
}

// valueText renders one setting; an absent one is "".
func valueText(v reflect.Value, options string) string {
	if !v.IsValid() {
		return ""
	}
	if d, ok := v.Interface().(describer); ok {
		if v.IsZero() {
			return ""
		}
		return d.Describe()
	}
	if options == "percent" {
		return fmt.Sprintf("%d%%", v.Int())
	}
	return fmt.Sprint(v.Interface())
}
