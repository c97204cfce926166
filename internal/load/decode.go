package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// documentsBatchBytes is about how much of a file one worker takes at once.
const documentsBatchBytes = 64 << 10

// Bytes adds the objects of one file's content. name is used in messages.
// Malformed documents and objects the API server would refuse are
// recorded as Problems with their file and line, and skipped; documents
// of a Helm template are skipped with one Problem for the file. Documents
// decode in parallel; their results are taken in order.
func (l *Loader) Bytes(name string, data []byte) {
	l.stats.Files++
	docs := splitDocuments(data)
	if len(l.seen) == 0 {
		l.seen = make(map[identity]origin, len(docs)) // an object a document, mostly
	}
	if _, located := originOf(name + ":1"); located && len(l.snap.Origins) == 0 && len(docs) >= reserveFrom {
		l.snap.Origins = make(snapshot.Origins, len(docs))
	}
	// Documents go to the workers a few at a time: one goroutine and one
	// wait per document would cost more than a small document's decoding.
	for len(docs) > 0 {
		n, size := 0, 0
		for n < len(docs) && (n == 0 || size+len(docs[n].body) <= documentsBatchBytes) {
			size += len(docs[n].body)
			n++
		}
		chunk := docs[:n]
		docs = docs[n:]
		l.submit(func(b *batch) {
			for _, doc := range chunk {
				whole := doc.index == 0 && len(doc.body) == len(data)
				b.document(name, doc, whole)
			}
		})
	}
	l.queue(&batch{endOf: name})
}

// document decodes one YAML (or JSON) document of a file; whole says
// whether it is all of the file, so that messages need not say which
// document.
func (b *batch) document(name string, doc document, whole bool) {
	b.docs++
	b.line = doc.line + leadingComments(doc.body)
	defer func() { b.line = 0 }()
	where := fmt.Sprintf("%s:%d", name, doc.line)
	if !whole {
		where = fmt.Sprintf("%s:%d (document %d)", name, doc.line, doc.index+1)
	}
	hasBraces := bytes.Contains(doc.body, []byte("{{"))
	if hasBraces && helmTemplate.Match(doc.body) {
		b.helmLines = append(b.helmLines, doc.line)
		return
	}
	if b.compactList(where, doc.body) {
		return
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if js, ok := b.toJSON(doc.body, s); ok {
		if string(js) == "null" {
			b.docs-- // an empty document or only comments
			return
		}
		b.decodeFast(where, js, nil, &s.items)
		return
	}
	js, err := yaml.YAMLToJSONStrict(doc.body)
	if err != nil {
		if hasBraces {
			b.helmLines = append(b.helmLines, doc.line)
			return
		}
		b.skip(name+":"+strconv.Itoa(errorLine(err, doc.line)), "%s", cleanYAMLError(err))
		return
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || string(js) == "null" {
		b.docs-- // an empty document or only comments
		return
	}
	b.decode(where, js, nil)
}

// helmTemplate matches a template action that names one of Helm's
// built-in objects or functions. Go templates inside ConfigMap values
// (Alertmanager, Prometheus rules) use their own data, never these.
var helmTemplate = regexp.MustCompile(`\{\{-?\s*(?:[^}]*[\s(|])?(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\.Template|\$\.Values|include\s+"|tpl\s|toYaml|required\s+")`)

// implyKind gives an item of a typed list the kind the list implies, when
// it has none, or its apiVersion when it names the kind alone (the API
// server's lists leave both out of their items).
func implyKind(tm *metav1.TypeMeta, implied *schema.GroupVersionKind) {
	if implied == nil {
		return
	}
	switch {
	case tm.Kind == "" && tm.APIVersion == "":
		tm.APIVersion, tm.Kind = implied.GroupVersion().String(), implied.Kind
	case tm.APIVersion == "" && tm.Kind == implied.Kind:
		tm.APIVersion = implied.GroupVersion().String()
	}
}

// decode adds one JSON object, or the items of a list. implied is the
// kind a typed list gives items that lack their own (PodList → Pod).
func (b *batch) decode(where string, js []byte, implied *schema.GroupVersionKind) {
	if js[0] != '{' {
		b.skip(where, "not a Kubernetes object (expected a mapping with apiVersion and kind)")
		return
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		b.skip(where, "apiVersion and kind: %v", err)
		return
	}
	implyKind(&tm, implied)
	switch {
	case tm.Kind == "" && tm.APIVersion == "":
		b.skip(where, "missing apiVersion and kind")
		return
	case tm.Kind == "":
		b.skip(where, "missing kind")
		return
	case tm.APIVersion == "":
		b.skip(where, "%s: missing apiVersion", tm.Kind)
		return
	}
	if strings.HasSuffix(tm.Kind, "List") && b.list(where, js, tm) {
		return
	}
	if tm.APIVersion == snapshot.InfoAPIVersion && tm.Kind == snapshot.InfoKind {
		b.info(where, js)
		return
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		b.skip(where, "bad apiVersion %q: %v", tm.APIVersion, err)
		return
	}
	gvk := gv.WithKind(tm.Kind)
	if msg := removed(gvk); msg != "" {
		b.skip(where, "%s %s: %s", tm.Kind, objectName(js), msg)
		return
	}
	if !Scheme.Recognizes(gvk) {
		if gvk == crdKind {
			b.customResource(where, js)
		}
		b.unknown(tm.APIVersion, tm.Kind)
		return
	}
	// One strict decode: the object comes back with the error when the
	// only fault is an unknown or duplicated field.
	obj, _, err := deserializer.Decode(js, &gvk, nil)
	if err != nil {
		if runtime.IsStrictDecodingError(err) {
			b.skip(where, "%s %s: %v (the API server refuses unknown fields)", tm.Kind, objectName(js), err)
		} else {
			b.skip(where, "%s %s: %v", tm.Kind, objectName(js), err)
		}
		return
	}
	b.add(where, gvk, obj)
}

// list decodes the items of a list and reports whether js was one; a kind
// that merely ends in "List" is not.
func (b *batch) list(where string, js []byte, tm metav1.TypeMeta) bool {
	var list struct {
		Items *[]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(js, &list); err != nil {
		b.skip(where, "%s: %v", tm.Kind, err)
		return true
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if list.Items == nil && (err != nil || !Scheme.Recognizes(gv.WithKind(tm.Kind))) {
		return false // a custom kind that merely ends in "List"
	}
	b.docs-- // the list itself is not a document; its items are
	var implied *schema.GroupVersionKind
	if elem := strings.TrimSuffix(tm.Kind, "List"); elem != "" && err == nil {
		g := gv.WithKind(elem)
		implied = &g
	}
	if list.Items == nil {
		return true
	}
	items := *list.Items
	for _, ib := range parallel(b, len(items), func(ib *batch, i int) {
		ib.docs++
		ib.decode(fmt.Sprintf("%s items[%d]", where, i), bytes.TrimSpace(items[i]), implied)
	}) {
		b.merge(ib)
	}
	return true
}

// info reads back what a written snapshot says besides its objects.
func (b *batch) info(where string, js []byte) {
	b.docs--
	var info snapshot.Info
	if err := json.Unmarshal(js, &info); err != nil {
		b.skip(where, "%s: %v", snapshot.InfoKind, err)
		return
	}
	b.ops = append(b.ops, op{info: &info})
}

// info takes what a written snapshot says besides its objects.
func (l *Loader) info(info *snapshot.Info) {
	l.snap.Gaps = append(l.snap.Gaps, info.Gaps...)
	l.snap.Problems = append(l.snap.Problems, info.Problems...)
	l.snap.Warnings = append(l.snap.Warnings, info.Warnings...)
	l.snap.CustomResources = append(l.snap.CustomResources, info.CustomResources...)
	for k, n := range info.Unknown {
		if n <= 0 {
			continue
		}
		if l.snap.Unknown == nil {
			l.snap.Unknown = map[string]int{}
		}
		l.snap.Unknown[k] += n // not in Stats: the file holds no such object
	}
	if info.Assumed != nil {
		l.snap.Assumed = *info.Assumed
	}
}

// unknown counts an object of a kind bulkhead does not model, by
// "apiVersion/kind".
func (l *Loader) unknown(key string) {
	l.stats.Unknown++
	if l.snap.Unknown == nil {
		l.snap.Unknown = map[string]int{}
	}
	l.snap.Unknown[key]++
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
	s = strings.TrimPrefix(s, "unmarshal errors:\n")
	s = yamlLine.ReplaceAllString(s, "")
	s = strings.TrimLeft(s, ": ")
	s = strings.Join(strings.Fields(s), " ")
	return "invalid YAML: " + s
}
