package render

import (
	"encoding/json"
	"io"
	"reflect"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
)

// ReportAs writes the audit's report in format f, one of AuditFormats; o
// tunes the text.
func ReportAs(w io.Writer, f Format, r *analysis.Report, o TextOptions) error {
	switch f {
	case FormatText:
		return Text(w, r, o)
	case FormatJSON:
		return JSON(w, r)
	case FormatHTML:
		return HTML(w, r)
	case FormatSARIF:
		return SARIF(w, r)
	case FormatMarkdown:
		return Markdown(w, r)
	}
	return AuditFormats.unwritten(f)
}

// JSON writes the report as indented JSON (docs/report-schema.md). Lists
// and maps are never null: empty ones are written as [] and {}.
func JSON(w io.Writer, r *analysis.Report) error {
	if x := r.Isolation; x != nil && len(x.Cells) > analysis.ListedCells {
		bounded := *r
		b := x.Bound(analysis.ListedCells)
		bounded.Isolation = &b
		r = &bounded
	}
	return Document(w, r)
}

// Document writes any value of a versioned JSON document as indented JSON,
// with its nil slices and maps (those not omitted when empty) written as
// [] and {}. It fills them in v, which must be a pointer.
func Document(w io.Writer, v any) error {
	fillEmpty(reflect.ValueOf(v))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// fillEmpty replaces the nil slices and maps reachable from v by empty
// ones, except in struct fields marked omitempty (they are left out, not
// null) and unexported fields (not encoded).
func fillEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			fillEmpty(v.Elem())
		}
	case reflect.Slice:
		if v.IsNil() && v.CanSet() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		for i := 0; i < v.Len(); i++ {
			fillEmpty(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() && v.CanSet() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		// Map values are not addressable; the report's maps hold numbers.
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fillEmpty(v.Index(i))
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			f := v.Field(i)
			if omitEmpty(sf) && (f.Kind() == reflect.Slice || f.Kind() == reflect.Map) && f.IsNil() {
				continue
			}
			fillEmpty(f)
		}
	}
}

func omitEmpty(sf reflect.StructField) bool {
	_, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
	for _, o := range strings.Split(opts, ",") {
		if o == "omitempty" {
			return true
		}
	}
	return false
}
