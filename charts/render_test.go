package charts

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	sigsyaml "sigs.k8s.io/yaml"
)

const chartDir = "bulkhead"

// withImage is the least a user must set: the project publishes no image.
const withImage = "image: {repository: registry.example/bulkhead, tag: v0.1.0}\n"

// rendered is a chart rendered as `helm template` would: its objects by
// "Kind/name", and NOTES.txt.
type rendered struct {
	objects map[string]runtime.Object
	notes   string
}

// render renders the chart with values (YAML, as a -f file) into namespace.
func render(t *testing.T, values, namespace string) (rendered, error) {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	vals, err := chartutil.ReadValues([]byte(values))
	if err != nil {
		t.Fatalf("values: %v", err)
	}
	top, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: "bulkhead", Namespace: namespace, IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		return rendered{}, err
	}
	files, err := engine.Render(ch, top)
	if err != nil {
		return rendered{}, err
	}
	out := rendered{objects: map[string]runtime.Object{}}
	names := slices.Sorted(maps.Keys(files))
	decode := clientgoscheme.Codecs.UniversalDeserializer()
	for _, name := range names {
		switch {
		case strings.HasSuffix(name, "NOTES.txt"):
			out.notes = files[name]
			continue
		case strings.HasPrefix(filepath.Base(name), "_"):
			continue
		}
		for _, doc := range releaseutil.SplitManifests(files[name]) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			obj, gvk, err := decode.Decode([]byte(doc), nil, nil)
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			key := gvk.Kind + "/" + mustName(t, doc)
			if _, dup := out.objects[key]; dup {
				t.Fatalf("%s: %s rendered twice", name, key)
			}
			out.objects[key] = obj
		}
	}
	return out, nil
}

// mustRender is render of values that must render.
func mustRender(t *testing.T, values, namespace string) rendered {
	t.Helper()
	r, err := render(t, values, namespace)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return r
}

// get returns the object "Kind/name" as a T, failing the test without it.
func get[T runtime.Object](t *testing.T, r rendered, key string) T {
	t.Helper()
	obj, ok := r.objects[key].(T)
	if !ok {
		t.Fatalf("no %s rendered (have %v)", key, slices.Sorted(maps.Keys(r.objects)))
	}
	return obj
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func mustName(t *testing.T, doc string) string {
	t.Helper()
	var m struct {
		Metadata struct{ Name string } `json:"metadata"`
	}
	if err := sigsyaml.Unmarshal([]byte(doc), &m); err != nil || m.Metadata.Name == "" {
		t.Fatalf("an object without a name (%v):\n%s", err, doc)
	}
	return m.Metadata.Name
}

// deployObjects decodes a manifest of deploy/ into its objects by "Kind/name".
func deployObjects(t *testing.T, file string) map[string]runtime.Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "deploy", file))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]runtime.Object{}
	decode := clientgoscheme.Codecs.UniversalDeserializer()
	for _, doc := range releaseutil.SplitManifests(string(data)) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		obj, gvk, err := decode.Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("deploy/%s: %v", file, err)
		}
		out[fmt.Sprintf("%s/%s", gvk.Kind, mustName(t, doc))] = obj
	}
	return out
}
