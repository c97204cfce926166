package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Paths loads every manifest file named, walking directories recursively
// (files ending in .yaml, .yml or .json), into one snapshot. It fails only
// when a path cannot be read at all; bad documents become snapshot Problems.
// The snapshot is not normalised.
func Paths(paths []string) (*snapshot.Snapshot, error) {
	snap := &snapshot.Snapshot{Source: strings.Join(paths, ",")}
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			Bytes(snap, f, data)
		}
	}
	return snap, nil
}

// FS loads every manifest of an fs.FS, as Paths does for a directory.
func FS(fsys fs.FS, source string) (*snapshot.Snapshot, error) {
	snap := &snapshot.Snapshot{Source: source}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isManifest(p) {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		Bytes(snap, p, data)
		return nil
	})
	return snap, err
}

// Reader loads manifests from a stream, named name in messages.
func Reader(snap *snapshot.Snapshot, name string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	Bytes(snap, name, data)
	return nil
}

func isManifest(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// expand returns p itself when it is a file, or the manifests below it,
// sorted, when it is a directory.
func expand(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", p, err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isManifest(path) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", p, err)
	}
	sort.Strings(out)
	return out, nil
}

// Bytes adds the objects of one file's content to snap. name is used in
// messages. Malformed documents are recorded as Problems and skipped.
func Bytes(snap *snapshot.Snapshot, name string, data []byte) {
	for _, doc := range splitDocuments(data) {
		where := fmt.Sprintf("%s:%d", name, doc.line)
		if doc.index > 0 || len(doc.body) < len(data) {
			where = fmt.Sprintf("%s:%d (document %d)", name, doc.line, doc.index+1)
		}
		js, err := yaml.YAMLToJSON(doc.body)
		if err != nil {
			snap.Problems = append(snap.Problems, snapshot.Problem{Where: name + ":" + strconv.Itoa(errorLine(err, doc.line)), Message: cleanYAMLError(err)})
			continue
		}
		js = bytes.TrimSpace(js)
		if len(js) == 0 || string(js) == "null" {
			continue // an empty document or only comments
		}
		decode(snap, where, js)
	}
}

// decode adds one JSON object, or the items of a list, to snap.
func decode(snap *snapshot.Snapshot, where string, js []byte) {
	if js[0] != '{' {
		snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: "not a Kubernetes object (expected a mapping with apiVersion and kind)"})
		return
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: "apiVersion and kind: " + err.Error()})
		return
	}
	switch {
	case tm.Kind == "" && tm.APIVersion == "":
		snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: "missing apiVersion and kind"})
		return
	case tm.Kind == "":
		snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: "missing kind"})
		return
	case tm.APIVersion == "":
		snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: fmt.Sprintf("%s: missing apiVersion", tm.Kind)})
		return
	}
	if strings.HasSuffix(tm.Kind, "List") {
		var list struct {
			Items *[]json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(js, &list); err != nil {
			snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: fmt.Sprintf("%s: %v", tm.Kind, err)})
			return
		}
		if list.Items == nil && !Scheme.Recognizes(schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind)) {
			addUnknown(snap, tm) // a kind that merely ends in "List"
			return
		}
		if list.Items != nil {
			for i, item := range *list.Items {
				decode(snap, fmt.Sprintf("%s items[%d]", where, i), item)
			}
		}
		return
	}
	if tm.APIVersion == snapshot.InfoAPIVersion && tm.Kind == snapshot.InfoKind {
		var info snapshot.Info
		if err := json.Unmarshal(js, &info); err != nil {
			snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: fmt.Sprintf("%s: %v", tm.Kind, err)})
			return
		}
		snap.Gaps = append(snap.Gaps, info.Gaps...)
		snap.Problems = append(snap.Problems, info.Problems...)
		return
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: fmt.Sprintf("bad apiVersion %q: %v", tm.APIVersion, err)})
		return
	}
	gvk := gv.WithKind(tm.Kind)
	if !Scheme.Recognizes(gvk) {
		addUnknown(snap, tm)
		return
	}
	obj, _, err := codecs.UniversalDeserializer().Decode(js, &gvk, nil)
	if err != nil {
		snap.Problems = append(snap.Problems, snapshot.Problem{Where: where, Message: fmt.Sprintf("%s %s: %v", tm.Kind, objectName(js), err)})
		return
	}
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	if !snap.Add(obj) {
		addUnknown(snap, tm)
	}
}

func addUnknown(snap *snapshot.Snapshot, tm metav1.TypeMeta) {
	if snap.Unknown == nil {
		snap.Unknown = map[string]int{}
	}
	snap.Unknown[tm.APIVersion+"/"+tm.Kind]++
}

// objectName returns "ns/name" or "name" of a raw object, for messages.
func objectName(js []byte) string {
	var m struct {
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if json.Unmarshal(js, &m) != nil || m.Metadata.Name == "" {
		return "(unnamed)"
	}
	if m.Metadata.Namespace == "" {
		return m.Metadata.Name
	}
	return m.Metadata.Namespace + "/" + m.Metadata.Name
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// errorLine turns the document-relative line of a YAML error into a line of
// the file.
func errorLine(err error, docStart int) int {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return docStart
	}
	n, _ := strconv.Atoi(m[1])
	return docStart + n - 1
}

// cleanYAMLError drops the converter's prefix and the relative line, which
// errorLine has made absolute.
func cleanYAMLError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "error converting YAML to JSON: ")
	s = strings.TrimPrefix(s, "yaml: ")
	s = yamlLine.ReplaceAllString(s, "")
	s = strings.TrimLeft(s, ": ")
	return "invalid YAML: " + s
}
