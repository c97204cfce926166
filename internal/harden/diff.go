package harden

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// diffContext is the number of unchanged lines shown around each change,
// as diff -u does.
const diffContext = 3

// unifiedDiff returns the unified diff of text a, labelled from, to text b,
// labelled to, with three lines of context: "" when the texts are equal. A
// last line without a newline is compared as if it had one.
func unifiedDiff(from, to, a, b string) string {
	if a == b {
		return ""
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: diffLines(a), B: diffLines(b),
		FromFile: from, ToFile: to,
		Context: diffContext,
	})
	if err != nil { // only the writer can fail, and a strings.Builder does not
		return ""
	}
	return text
}

// diffLines splits text after each newline, without the empty string
// strings.SplitAfter leaves after a final newline, and ends the last line
// with one.
func diffLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	return lines
}

// serverFields are the metadata fields the API server fills in: they are no
// part of what a user applies.
var serverFields = []string{"uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"}

// manifest returns the YAML of an object as a user would apply it: its
// apiVersion and kind (which the object must carry), without the metadata
// the API server fills in and without an empty status.
func manifest(obj runtime.Object) (string, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", obj, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("encode %T: %w", obj, err)
	}
	if m["apiVersion"] == nil || m["kind"] == nil {
		return "", fmt.Errorf("encode %T: no apiVersion or kind", obj)
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		for _, f := range serverFields {
			delete(meta, f)
		}
	}
	if st, ok := m["status"].(map[string]any); ok && emptyStatus(st) {
		delete(m, "status")
	}
	out, err := marshalYAML(m)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", obj, err)
	}
	return string(out), nil
}

// marshalYAML returns what sigs.k8s.io/yaml.Marshal(m) does for m as
// encoding/json decodes an object (maps, slices, strings, bools, nils
// and float64s), without its way through JSON text, which goes half of
// its time in go-yaml reading that text back: go-yaml reads a number
// with no fraction as an int, so whole numbers are made ints here and m
// is written by go-yaml directly. m is changed in place. A number with a
// fraction, or too big to be exact, sends m the long way, which is
// exact by definition.
func marshalYAML(m map[string]any) ([]byte, error) {
	if _, ok := asRead(m); ok {
		return goyaml.Marshal(m)
	}
	return yaml.Marshal(m)
}

// asRead returns v with its whole float64s made ints, as go-yaml reads
// them from the JSON encoding/json writes of them, changing maps and
// slices in place (the ints made before a number it does not take are
// written as that float64 is); false when v holds a number this does not
// take.
func asRead(v any) (any, bool) {
	switch x := v.(type) {
	case float64:
		return wholeNumber(x)
	case map[string]any:
		for k, e := range x {
			y, ok := asRead(e)
			if !ok {
				return nil, false
			}
			x[k] = y
		}
	case []any:
		for i, e := range x {
			y, ok := asRead(e)
			if !ok {
				return nil, false
			}
			x[i] = y
		}
	}
	return v, true
}

// wholeNumber returns f as an int when it has no fraction and is within
// what a float64 holds exactly: encoding/json writes it as digits
// alone, which go-yaml reads as that int.
func wholeNumber(f float64) (int, bool) {
	if f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return 0, false
	}
	return int(f), true
}

// emptyStatus reports whether a status says nothing: no field, or only
// null ones (an AdminNetworkPolicy's conditions before any controller).
func emptyStatus(st map[string]any) bool {
	for _, v := range st {
		if v != nil {
			return false
		}
	}
	return true
}

// manifests returns the YAML of objects as one stream of documents, each
// after a "---" line.
func manifests(objs []runtime.Object) (string, error) {
	// Each object is encoded on its own, on every core; the first error,
	// in the objects' order, is the one returned.
	ys, errs := make([]string, len(objs)), make([]error, len(objs))
	eachParallel(len(objs), func(i int) { ys[i], errs[i] = manifest(objs[i]) })
	var b strings.Builder
	for i, y := range ys {
		if errs[i] != nil {
			return "", errs[i]
		}
		b.WriteString("---\n")
		b.WriteString(y)
	}
	return b.String(), nil
}

// objectsDiff returns the unified diff from the YAML of the objects a
// proposal removes or replaces (before) to the YAML of those it applies
// (after).
func objectsDiff(before, after []runtime.Object) (string, error) {
	a, err := manifests(before)
	if err != nil {
		return "", err
	}
	b, err := manifests(after)
	if err != nil {
		return "", err
	}
	return unifiedDiff("before.yaml", "after.yaml", a, b), nil
}
