package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	goruntime "runtime"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// list is a v1 List as `kubectl get -o yaml` prints it.
type list struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Items      []runtime.Object `json:"items"`
}

// InfoAPIVersion and InfoKind name the item of a written snapshot that
// carries what is not an object: where it came from, the resources that
// could not be read and the input that was skipped. Loading a snapshot
// reads it back, so an audit of the file says what the live audit said.
const (
	InfoAPIVersion = "bulkhead.dev/v1alpha1"
	InfoKind       = "SnapshotInfo"
)

// Info is the SnapshotInfo item.
type Info struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Source     string    `json:"source"`
	Gaps       []Gap     `json:"gaps,omitempty"`
	Problems   []Problem `json:"problems,omitempty"`
	Warnings   []Problem `json:"warnings,omitempty"`
	Assumed    *Assumed  `json:"assumed,omitempty"`
	// CustomResources are the resource types of the input's
	// CustomResourceDefinitions.
	CustomResources []CustomResource `json:"customResources,omitempty"`
	// Unknown counts the input's objects of kinds bulkhead does not
	// model, which the snapshot does not hold, by "apiVersion/kind", so
	// that an audit of the snapshot reports them as one of the input.
	Unknown map[string]int `json:"unknownKinds,omitempty"`
}

// GetObjectKind and DeepCopyObject make Info a list item.
func (i *Info) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject copies the info.
func (i *Info) DeepCopyObject() runtime.Object {
	c := *i
	c.Gaps = append([]Gap(nil), i.Gaps...)
	c.Problems = append([]Problem(nil), i.Problems...)
	c.Warnings = append([]Problem(nil), i.Warnings...)
	c.CustomResources = append([]CustomResource(nil), i.CustomResources...)
	c.Unknown = maps.Clone(i.Unknown)
	if i.Assumed != nil {
		a := *i.Assumed
		c.Assumed = &a
	}
	return &c
}

// Formats are the formats Write writes: YAML and indented JSON, and the
// compact forms for big clusters, gzip-compressed YAML and JSON (the JSON
// without indentation, one item a line).
var Formats = []string{"yaml", "json", "yaml.gz", "json.gz"}

// Write writes the snapshot as one v1 List in one of Formats, so that it
// can be analysed later with -f (which reads gzip input as it is).
// Representative pods derived from controllers are left out (they are
// derived again on load); secrets carry metadata only. kindOf maps each
// object to its group, version and kind. YAML starts with comments saying
// what was not read; JSON has no comments, the SnapshotInfo item says it.
func (s *Snapshot) Write(w io.Writer, format string, kindOf func(runtime.Object) (schema.GroupVersionKind, error)) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("unknown output format %q: want %s", format, formatList())
	}
	l, err := s.list(kindOf)
	if err != nil {
		return err
	}
	inner, compressed := strings.CutSuffix(format, ".gz")
	if !compressed {
		if inner == "json" {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(l)
		}
		return s.writeYAML(w, l)
	}
	zw := gzip.NewWriter(w)
	if inner == "json" {
		err = writeCompactJSON(zw, l)
	} else {
		err = s.writeYAML(zw, l)
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	return err
}

// formatList is Formats as a message says them: "a, b or c".
func formatList() string {
	return strings.Join(Formats[:len(Formats)-1], ", ") + " or " + Formats[len(Formats)-1]
}

// list is the snapshot as a v1 List, its SnapshotInfo first.
func (s *Snapshot) list(kindOf func(runtime.Object) (schema.GroupVersionKind, error)) (list, error) {
	info := &Info{APIVersion: InfoAPIVersion, Kind: InfoKind, Source: s.Source, Gaps: s.Gaps, Problems: s.Problems, Warnings: s.Warnings, CustomResources: s.CustomResources, Unknown: s.Unknown}
	if s.Assumed != (Assumed{}) {
		info.Assumed = &s.Assumed
	}
	l := list{APIVersion: "v1", Kind: "List", Items: []runtime.Object{info}}
	for _, o := range s.Objects() {
		if p, ok := o.Obj.(*corev1.Pod); ok && IsSynthetic(p) {
			continue
		}
		obj := o.Obj.DeepCopyObject()
		gvk, err := kindOf(obj)
		if err != nil {
			return list{}, fmt.Errorf("%s %s: %w", o.Kind, o.Obj.GetName(), err)
		}
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		l.Items = append(l.Items, obj)
	}
	return l, nil
}

// writeYAML writes the list after comments saying where it came from and
// what was not read.
func (s *Snapshot) writeYAML(w io.Writer, l list) error {
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "# bulkhead snapshot of %s: %d objects (secrets as metadata only)\n", s.Source, len(l.Items)-1)
	for _, g := range s.Gaps {
		fmt.Fprintf(&hdr, "# not read: %s (%s)\n", g.Resource, g.Reason)
	}
	for _, p := range s.Problems {
		fmt.Fprintf(&hdr, "# skipped: %s\n", strings.ReplaceAll(p.String(), "\n", " "))
	}
	for _, p := range s.Warnings {
		fmt.Fprintf(&hdr, "# warning: %s\n", strings.ReplaceAll(p.String(), "\n", " "))
	}
	if a := s.Assumed; a.Version != "" {
		fmt.Fprintf(&hdr, "# assumed: %d roles and %d bindings of the Kubernetes %s bootstrap policy\n", a.Roles, a.Bindings, a.Version)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	// A bufio.Writer keeps its first error and Flush returns it.
	_, _ = bw.WriteString(hdr.String())
	_, _ = bw.WriteString("apiVersion: v1\nitems:\n")
	err := marshalItems(l.Items, func(b []byte) { _, _ = bw.Write(b) })
	if err != nil {
		return err
	}
	_, _ = bw.WriteString("kind: List\n")
	return bw.Flush()
}

// marshalItems writes each item as the YAML of an item of the List, in
// order, the items marshalled a chunk at a time over the machine's cores,
// a few chunks ahead of the writer at most: marshalling a big cluster's
// List in one piece held it three times in memory, as JSON, a YAML tree
// and text. Each item is marshalled inside a list of its own, so that it
// is indented, and its long strings folded, exactly as in the whole List.
// Nothing is written after an error.
func marshalItems(items []runtime.Object, write func([]byte)) error {
	const chunk = 256
	type result struct {
		docs [][]byte
		err  error
	}
	type one struct {
		Items []runtime.Object `json:"items"`
	}
	n := (len(items) + chunk - 1) / chunk
	results := make([]chan result, n)
	for c := range results {
		results[c] = make(chan result, 1)
	}
	ahead := make(chan struct{}, goruntime.GOMAXPROCS(0)+1) // chunks marshalled, not yet written
	go func() {
		for c := 0; c < n; c++ {
			ahead <- struct{}{}
			go func(c int) {
				var r result
				for _, item := range items[c*chunk : min((c+1)*chunk, len(items))] {
					b, err := yaml.Marshal(one{Items: []runtime.Object{item}})
					if err != nil {
						r.err = err
						break
					}
					r.docs = append(r.docs, bytes.TrimPrefix(b, []byte("items:\n")))
				}
				results[c] <- r
			}(c)
		}
	}()
	var err error
	for c := range results {
		r := <-results[c]
		<-ahead
		if err == nil && r.err != nil {
			err = r.err
		}
		if err != nil {
			continue // drain the others; write nothing more
		}
		for _, b := range r.docs {
			write(b)
		}
	}
	return err
}

// writeCompactJSON writes the list as JSON without indentation, each item
// on a line of its own: as small as JSON gets, and still a file that
// zcat | grep can search object by object.
func writeCompactJSON(w io.Writer, l list) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	// A bufio.Writer keeps its first error and Flush returns it.
	_, _ = bw.WriteString(`{"apiVersion":"v1","kind":"List","items":[` + "\n")
	for i, item := range l.Items {
		b, err := json.Marshal(item)
		if err != nil {
			return err
		}
		if i > 0 {
			_, _ = bw.WriteString(",\n")
		}
		_, _ = bw.Write(b)
	}
	_, _ = bw.WriteString("\n]}\n")
	return bw.Flush()
}
