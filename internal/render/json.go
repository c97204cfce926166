package render

import (
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"sync"

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
	rv := reflect.ValueOf(v)
	if rv.IsValid() && rv.Kind() != reflect.Pointer {
		// A value is copied to where its nil lists can be filled.
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		v, rv = p.Interface(), p
	}
	fillEmpty(rv)
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
		if !mayHoldNil(v.Type().Elem()) {
			return // strings, numbers: nothing to fill, however many
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
		for _, f := range fieldsOf(v.Type()) {
			fv := v.Field(f.index)
			if f.omitEmpty && (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.IsNil() {
				continue
			}
			fillEmpty(fv)
		}
	}
}

// field is an exported field of a struct that may hold a nil slice or map
// (nothing else needs a visit), and whether it is omitted when empty.
type field struct {
	index     int
	omitEmpty bool
}

// fields caches fieldsOf by struct type: a report or a plan holds
// thousands of values of a few types, which need not be read field by
// field, tag by tag, each time.
var fields sync.Map // reflect.Type → []field

func fieldsOf(t reflect.Type) []field {
	if fs, ok := fields.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.IsExported() && mayHoldNil(sf.Type) {
			fs = append(fs, field{index: i, omitEmpty: omitEmpty(sf)})
		}
	}
	fields.Store(t, fs)
	return fs
}

// mayHoldNil reports whether a value of type t may hold a nil slice or map
// that fillEmpty would fill: strings, numbers and structs of them never
// do.
func mayHoldNil(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return mayHoldNil(t.Elem())
	case reflect.Struct:
		return len(fieldsOf(t)) > 0
	}
	return false
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
