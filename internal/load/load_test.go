package load

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

func TestPathsMixed(t *testing.T) {
	snap, err := Paths([]string{"testdata/mixed.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) > 0 {
		t.Fatalf("problems: %v", snap.Problems)
	}
	got := snap.Counts()
	want := map[string]int{"Namespace": 1, "ServiceAccount": 1, "Secret": 1}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]int{"example.com/v1/Widget": 1}, snap.Unknown); d != "" {
		t.Errorf("unknown (-want +got):\n%s", d)
	}
	s := snap.Secrets[0]
	if len(s.Data) != 0 || len(s.StringData) != 0 {
		t.Errorf("secret values kept: %v %v", s.Data, s.StringData)
	}
	if _, ok := s.Annotations["kubectl.kubernetes.io/last-applied-configuration"]; ok {
		t.Error("last-applied-configuration of a secret kept (it holds the values)")
	}
	if s.Type != "Opaque" {
		t.Errorf("secret type %q, want Opaque", s.Type)
	}
}

// TestPathsBad checks that each bad document is reported with its file and
// line and that loading goes on past it.
func TestPathsBad(t *testing.T) {
	snap, err := Paths([]string{"testdata/bad.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range snap.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"testdata/bad.yaml:10: invalid YAML: did not find expected ',' or ']'",
		"testdata/bad.yaml:12 (document 3): missing apiVersion",
		`testdata/bad.yaml:16 (document 4): Pod default/wrong-type: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i][:strings.Index(want[i], ":")+3]) {
			t.Errorf("problem %d = %q, want it to start like %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(got[0], "invalid YAML") || !strings.Contains(got[1], "Pod: missing apiVersion") || !strings.Contains(got[2], "wrong-type") {
		t.Errorf("problems do not say what is wrong:\n%s", strings.Join(got, "\n"))
	}
	if d := cmp.Diff(map[string]int{"Namespace": 1, "ConfigMap": 1}, snap.Counts()); d != "" {
		t.Errorf("documents around the bad ones (-want +got):\n%s", d)
	}
}

func TestPathsDirectoryAndErrors(t *testing.T) {
	snap, err := Paths([]string{"../../examples/seed-cluster"})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) > 0 || len(snap.Unknown) > 0 {
		t.Fatalf("seed cluster: %v %v", snap.Problems, snap.Unknown)
	}
	if n := len(snap.Pods); n != 6 {
		t.Errorf("seed cluster pods = %d, want 6", n)
	}
	if _, err := Paths([]string{"testdata/does-not-exist.yaml"}); err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Errorf("missing file: err = %v, want one naming the file", err)
	}
}

func TestBytesJSONAndNotObjects(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		counts   map[string]int
		problems []string
	}{
		{"json object", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}`, map[string]int{"Namespace": 1}, nil},
		{"json list", `{"apiVersion":"v1","kind":"NamespaceList","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}},{"metadata":{"name":"y"}}]}`, map[string]int{"Namespace": 2}, nil},
		{"untyped item of a List", `{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"y"}}]}`, map[string]int{}, []string{"in:1 items[0]: missing apiVersion and kind"}},
		{"scalar", "just a string\n", map[string]int{}, []string{"in:1: not a Kubernetes object (expected a mapping with apiVersion and kind)"}},
		{"sequence", "- a\n- b\n", map[string]int{}, []string{"in:1: not a Kubernetes object (expected a mapping with apiVersion and kind)"}},
		{"bad apiVersion", "apiVersion: a/b/c\nkind: X\n", map[string]int{}, []string{`in:1: bad apiVersion "a/b/c": unexpected GroupVersion string: a/b/c`}},
		{"separator with comment", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n--- # next\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n", map[string]int{"Namespace": 2}, nil},
		{"custom kind ending in List", "apiVersion: example.com/v1\nkind: WidgetList\nmetadata: {name: w}\nspec: {}\n", map[string]int{}, nil},
		{"crlf", "apiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: a}\r\n---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: b}\r\n", map[string]int{"Namespace": 2}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{}
			Bytes(snap, "in", []byte(tc.in))
			if d := cmp.Diff(tc.counts, snap.Counts()); d != "" {
				t.Errorf("counts (-want +got):\n%s", d)
			}
			var got []string
			for _, p := range snap.Problems {
				got = append(got, p.String())
			}
			if d := cmp.Diff(tc.problems, got); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

// FuzzBytes checks that no input makes the loader panic, and that whatever
// it loads survives normalisation.
func FuzzBytes(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: b}\nspec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}\n",
		"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Namespace, metadata: {name: x}}]\n",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a, namespace: b}\naggregationRule: {clusterRoleSelectors: [{matchLabels: {x: z}}]}\n",
		"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: b}\nspec: {podSelector: {}, egress: [{}]}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c}]}}}\n",
		"---\n---\n",
		"{",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: Yg==}\n",
		"apiVersion: v1\nkind: PodList\nitems: [{metadata: {name: a}, spec: {containers: [{name: c}]}}]\n",
		"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, labels: {b: c}}\n",
		"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {matchExpressions: [{key: a, operator: In}]}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 11.0.0.0/8]}}], ports: [{port: 80, endPort: 70}]}]}\n",
		"apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec: {priority: 3, subject: {namespaces: {}}, egress: [{action: Deny, to: [{networks: [10.0.0.0/8]}], ports: [{portRange: {start: 5, end: 9}}]}]}\n---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: b}\nspec: {priority: 3, subject: {pods: {namespaceSelector: {}, podSelector: {}}}}\n",
		"apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec: {subject: {namespaces: {}}, ingress: [{action: Allow, from: [{pods: {namespaceSelector: {}, podSelector: {}}}]}]}\n",
		"apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: a}\n",
		"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBindingList\nitems: [{metadata: {name: a}, roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}, subjects: [{kind: ServiceAccount, name: s}]}]\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}], unknownField: 1}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := New("fuzz", Options{})
		l.Bytes("fuzz", data)
		snap, stats, err := l.Result()
		if err != nil && !strings.Contains(err.Error(), "defined twice") {
			t.Fatalf("unexpected error: %v", err)
		}
		if !bytes.Contains(data, []byte(snapshot.InfoKind)) {
			for _, p := range append(snap.Problems, snap.Warnings...) {
				if !strings.HasPrefix(p.Where, "fuzz:") {
					t.Fatalf("note without file and line: %v", p)
				}
			}
		}
		if stats.Objects != len(snap.Objects()) {
			t.Fatalf("stats say %d objects, the snapshot has %d", stats.Objects, len(snap.Objects()))
		}
		if stats.Objects+stats.Unknown > stats.Documents {
			t.Fatalf("more objects (%d+%d unknown) than documents (%d)", stats.Objects, stats.Unknown, stats.Documents)
		}
		for _, o := range snap.Objects() {
			gvk, err := KindOf(o.Obj)
			if err != nil {
				t.Fatal(err)
			}
			if ns := o.Obj.GetNamespace(); Namespaced(gvk.GroupKind()) != (ns != "") {
				t.Fatalf("%s %s in namespace %q", o.Kind, o.Obj.GetName(), ns)
			}
		}
		for _, s := range snap.Secrets {
			if len(s.Data) > 0 || len(s.StringData) > 0 {
				t.Fatal("secret values kept")
			}
		}
		snap.Normalize()
	})
}
