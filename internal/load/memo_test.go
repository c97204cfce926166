package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// memoCases are objects whose checks a memo answers (or whose resource
// lists a batch shares), each valid one beside one that differs from it
// in a single value the API server refuses: a bad value seen after a
// good one (and before it) is refused with the same message as with no
// memo.
var memoCases = []struct {
	name      string
	good, bad string
	want      string // part of the bad object's Problem
}{
	{"namespace", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a"}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"Bad.NS"}}`,
		`metadata.namespace: Invalid value: "Bad.NS"`},
	{"name in a known namespace", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"a"},"spec":{"containers":[{"name":"c"}]}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web!","namespace":"a"},"spec":{"containers":[{"name":"c"}]}}`,
		`metadata.name: Invalid value: "web!"`},
	{"label value", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a","labels":{"app":"web"}}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a","labels":{"app":"web!"}}}`,
		`metadata.labels: Invalid value: "web!"`},
	{"label key beside known pairs", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a","labels":{"app":"web","tier":"x"}}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a","labels":{"app":"web","a b":"x"}}}`,
		`metadata.labels: Invalid value: "a b"`},
	{"annotation key", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a","annotations":{"example.com/note":"x"}}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a","annotations":{"example.com/note":"x","bad key":"x"}}}`,
		`metadata.annotations: Invalid value: "bad key"`},
	{"annotations too long with known keys", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a","annotations":{"note":"x"}}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a","annotations":{"note":"` + strings.Repeat("x", 300<<10) + `"}}}`,
		`metadata.annotations: Too long`},
	{"owner reference", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a","ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p","uid":"u"}]}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a","ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p"}]}}`,
		`metadata.ownerReferences.uid: Invalid value: "": uid must not be empty`},
	{"generateName", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a"}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","generateName":"D_","namespace":"a"}}`,
		`metadata.generateName: Invalid value: "D_"`},
	{"finalizer", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a"}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a","finalizers":["a b"]}}`,
		`metadata.finalizers: Invalid value: "a b"`},
	{"negative generation", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a"}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a","generation":-1}}`,
		`metadata.generation: Invalid value: -1`},
	{"policy selector", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"a"},"spec":{"podSelector":{"matchLabels":{"app":"web"}},"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"team":"a"}}}]}]}}`,
		`{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"q","namespace":"a"},"spec":{"podSelector":{"matchLabels":{"app":"web"}},"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"team":"-a"}}}]}]}}`,
		`spec.ingress[0].from[0].namespaceSelector.matchLabels: Invalid value: "-a"`},
	{"service selector", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"a"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}`,
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"t","namespace":"a"},"spec":{"selector":{"app/x/y":"web"},"ports":[{"port":80}]}}`,
		`spec.selector: Invalid value: "app/x/y"`},
	{"template labels", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"a"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c"}]}}}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"e","namespace":"a"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web","x":"-"}},"spec":{"containers":[{"name":"c"}]}}}}`,
		`spec.template.metadata.labels: Invalid value: "-"`},
	{"selector of known pairs not matching its template", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"a"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web","tier":"db"}},"spec":{"containers":[{"name":"c"}]}}}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"e","namespace":"a"},"spec":{"selector":{"matchLabels":{"app":"web","tier":"db"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c"}]}}}}`,
		"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"},
	{"selector of known pairs, its template's value differing", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"a"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c"}]}}}}`,
		`{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"e","namespace":"a"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"api"}},"spec":{"containers":[{"name":"c"}]}}}}`,
		"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`"},
	{"resource list beside one shared", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1"}}}]}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q","namespace":"a"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1x"}}}]}}`,
		`Pod a/q: quantities must match the regular expression`},
	{"container port in a known namespace", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"},"spec":{"containers":[{"name":"c","ports":[{"name":"http","containerPort":80}]}]}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q","namespace":"a"},"spec":{"containers":[{"name":"c"},{"name":"d","ports":[{"name":"http","containerPort":80,"protocol":"ICMP"}]}]}}`,
		`spec.containers[1].ports[0].protocol: Unsupported value: "ICMP"`},
}

// TestMemoRefusesBadAfterGood loads each case's good object, its bad
// one and the good one's twin, in both orders, as a stream of documents
// and as a JSON List: the bad object is refused with its message, the
// others are loaded, and everything is as the reference path, which
// remembers nothing, loads it.
func TestMemoRefusesBadAfterGood(t *testing.T) {
	for _, tc := range memoCases {
		twin := strings.Replace(tc.good, `"name":"`, `"name":"z`, 1)
		for order, objs := range map[string][]string{
			"good first": {tc.good, tc.bad, twin},
			"bad first":  {tc.bad, tc.good, twin},
		} {
			for format, data := range map[string]string{
				"stream": strings.Join(objs, "\n---\n"),
				"list":   `{"apiVersion":"v1","kind":"List","items":[` + strings.Join(objs, ",\n") + "]}",
			} {
				t.Run(tc.name+"/"+order+"/"+format, func(t *testing.T) {
					loadBoth(t, "in.json", []byte(data))
					l := New("x", Options{})
					l.Bytes("in.json", []byte(data))
					snap, stats, err := l.Result()
					if err != nil || stats.Objects != 2 || len(snap.Problems) != 1 || !strings.Contains(snap.Problems[0].Message, tc.want) {
						t.Fatalf("want 2 objects and one Problem with %q, got %d objects, err %v, Problems %v", tc.want, stats.Objects, err, snap.Problems)
					}
				})
			}
		}
	}
}

// TestMemoMatchesUncachedOnFixtures loads the package's fixtures with
// the memos and without (the reference path): the snapshots, Problems
// and Stats are the same.
func TestMemoMatchesUncachedOnFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v, %d files", err, len(files))
	}
	var all []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, string(data))
		t.Run(f, func(t *testing.T) { loadBoth(t, f, data) })
	}
	t.Run("all fixtures as one stream", func(t *testing.T) {
		loadBoth(t, "all.yaml", []byte(strings.Join(all, "\n---\n")))
	})
}

// TestMemoValidateMeta runs the metadata check on a sequence of objects
// with one memo and with none: the errors are the same at every step,
// whatever the memo remembered of the objects before.
func TestMemoValidateMeta(t *testing.T) {
	cm := func(ns string, labels map[string]string, annotations map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: ns, Labels: labels, Annotations: annotations}}
	}
	seq := []*corev1.ConfigMap{
		cm("a", map[string]string{"app": "web"}, map[string]string{"note": "x"}),
		cm("a", map[string]string{"app": "web"}, map[string]string{"note": "x"}),
		cm("A", map[string]string{"app": "web"}, nil),
		cm("a", map[string]string{"app": "web!"}, nil),
		cm("a", map[string]string{"app": "web", "b c": "d"}, nil),
		cm("a", nil, map[string]string{"note": "x", "b c": "d"}),
		cm("a", map[string]string{"app": "web"}, map[string]string{"note": "x"}),
		cm("", nil, nil),
	}
	m := new(memo)
	for i, o := range seq {
		for _, namespaced := range []bool{true, false} {
			t.Run(fmt.Sprint(i, " namespaced=", namespaced), func(t *testing.T) {
				if namespaced != (o.Namespace != "") {
					t.Skip("add clears or fills the namespace first")
				}
				got, want := m.validateMeta(o, namespaced, dnsSubdomainName), (*memo)(nil).validateMeta(o, namespaced, dnsSubdomainName)
				if diff := cmp.Diff(errorStrings(want), errorStrings(got)); diff != "" {
					t.Errorf("with a memo (-without +with):\n%s", diff)
				}
			})
		}
	}
	if len(m.namespaces) != 1 || len(m.labels) != 1 || len(m.annotationKeys) != 1 {
		t.Errorf("the memo remembers only what passed: %+v", m)
	}
}

func errorStrings(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// TestMemoForgetsWhenFull fills a memo to memoMax: the next pair it
// remembers makes it forget the others, and what it forgot is checked
// again.
func TestMemoForgetsWhenFull(t *testing.T) {
	m := new(memo)
	for i := 0; i < memoMax; i++ {
		if !m.passLabels(map[string]string{"k": fmt.Sprint(i)}) {
			t.Fatalf("pair %d refused", i)
		}
	}
	remembered := func(v string) bool { _, ok := m.labels[labelPair{"k", v}]; return ok }
	if !remembered("0") || len(m.labels) != memoMax {
		t.Fatalf("a full memo holds %d pairs", len(m.labels))
	}
	m.passLabels(map[string]string{"k": "last"})
	if remembered("0") || !remembered("last") || len(m.labels) != 1 {
		t.Errorf("after one more pair the memo holds %d pairs", len(m.labels))
	}
	if errs := m.validateLabels(map[string]string{"k": "0", "b c": "d"}, func() *field.Path { return field.NewPath("x") }); len(errs) != 1 {
		t.Errorf("a forgotten pair beside a bad one: %v", errs)
	}
}
