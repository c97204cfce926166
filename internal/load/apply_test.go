package load

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// TestNamespaceDefault checks that namespaced objects without a namespace
// go to the chosen one, as kubectl apply -f -n does, and that a namespace
// on a cluster-scoped kind is dropped, as the API server drops it.
func TestNamespaceDefault(t *testing.T) {
	in := `apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: explicit}
spec: {podSelector: {}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cr, namespace: ignored}
---
apiVersion: v1
kind: Namespace
metadata: {name: ns}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp, namespace: ignored}
spec: {priority: 1, subject: {namespaces: {}}}
`
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "default"},
		{Options{Namespace: "team-a"}, "team-a"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			l := New("in", tc.opts)
			l.Bytes("in.yaml", []byte(in))
			snap, _, err := l.Result()
			if err != nil || len(snap.Problems) > 0 {
				t.Fatalf("err %v, problems %v", err, snap.Problems)
			}
			got := map[string]string{}
			for _, o := range snap.Objects() {
				got[o.Kind+"/"+o.Obj.GetName()] = o.Obj.GetNamespace()
			}
			want := map[string]string{
				"ServiceAccount/sa": tc.want, "NetworkPolicy/p": "explicit", "ClusterRole/cr": "",
				"Namespace/ns": "", "AdminNetworkPolicy/anp": "",
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("namespaces (-want +got):\n%s", d)
			}
		})
	}
}

// TestDuplicates checks that an identical copy of an object is merged with
// a warning, and that a different object with the same identity fails the
// load naming both places.
func TestDuplicates(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: a}\nspec: {containers: [{name: c, image: %s}]}\n"
	same := strings.Replace(pod, "%s", "nginx", 1)
	other := strings.Replace(pod, "%s", "evil", 1)

	l := New("in", Options{})
	l.Bytes("a.yaml", []byte(same))
	l.Bytes("b.yaml", []byte("# copy\n---\n"+same))
	snap, stats, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Pods) != 1 || stats.Merged != 1 || len(snap.Problems) != 0 {
		t.Errorf("pods %d, merged %d, problems %v: want 1 pod, 1 merged, no problems", len(snap.Pods), stats.Merged, snap.Problems)
	}
	wantWarning := "b.yaml:3 (document 2): Pod a/web is identical to the one at a.yaml:1; merged"
	if len(snap.Warnings) != 1 || snap.Warnings[0].String() != wantWarning {
		t.Errorf("warnings = %v, want %q", snap.Warnings, wantWarning)
	}

	l = New("in", Options{})
	l.Bytes("a.yaml", []byte(same))
	l.Bytes("b.yaml", []byte("# changed\n---\n"+other))
	if _, _, err := l.Result(); err == nil || !strings.Contains(err.Error(), "Pod a/web is defined twice, differently, at a.yaml:1 and at b.yaml:3") {
		t.Errorf("err = %v, want one naming both files and lines", err)
	}

	// The same identity is per kind and namespace: these are three objects.
	l = New("in", Options{})
	l.Bytes("c.yaml", []byte(same+"---\n"+strings.Replace(same, "namespace: a", "namespace: b", 1)+"---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: a}\nspec: {ports: [{port: 80}]}\n"))
	if snap, _, err := l.Result(); err != nil || len(snap.Objects()) != 3 {
		t.Errorf("err %v, objects %d; want 3", err, len(snap.Objects()))
	}
}

// TestListItemsTakeTheListKind checks that items of a typed list without
// their own kind take the one the list implies, as in kubectl get -o json.
func TestListItemsTakeTheListKind(t *testing.T) {
	in := `{"apiVersion":"v1","kind":"PodList","items":[
 {"metadata":{"name":"a","namespace":"n"},"spec":{"containers":[{"name":"c","image":"i"}]}},
 {"kind":"Pod","metadata":{"name":"b","namespace":"n"},"spec":{"containers":[{"name":"c","image":"i"}]}},
 {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n"},"spec":{"ports":[{"port":80}]}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBindingList
items:
- metadata: {name: rb, namespace: team}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
---
apiVersion: v1
kind: List
items:
- metadata: {name: untyped}
`
	l := New("in", Options{})
	l.Bytes("in.yaml", []byte(in))
	snap, stats, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int{"Pod": 2, "Service": 1, "RoleBinding": 1}, snap.Counts()); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	want := []snapshot.Problem{{Where: "in.yaml:12 (document 3) items[0]", Message: "missing apiVersion and kind"}}
	if d := cmp.Diff(want, snap.Problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if stats.Documents != 5 || stats.Objects != 4 || stats.Skipped != 1 {
		t.Errorf("stats = %+v, want 5 documents (list items), 4 objects, 1 skipped", stats)
	}
}

// TestHelmTemplates checks that a Helm template gives one Problem per file
// with the hint to render it, and that Go templates inside ConfigMap
// values (Alertmanager, Prometheus rules) are not mistaken for one.
func TestHelmTemplates(t *testing.T) {
	helm := `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "chart.fullname" . }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {{ .Values.replicas }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: "{{ .Release.Name }}-config"
`
	l := New("in", Options{})
	l.Bytes("templates/all.yaml", []byte(helm))
	l.Bytes("alerts.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts, namespace: mon}\ndata:\n  slack.tmpl: |\n    {{ define \"slack.title\" }}{{ .CommonLabels.alertname }}{{ end }}\n  rule: '{{ $labels.instance }} is down'\n"))
	snap, stats, err := l.Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) != 1 {
		t.Fatalf("problems = %v, want one for the template file", snap.Problems)
	}
	p := snap.Problems[0].String()
	if !strings.HasPrefix(p, "templates/all.yaml:1: Helm template syntax ({{ ... }}) in 3 document(s), skipped") || !strings.Contains(p, "helm template RELEASE CHART | bulkhead audit -f -") {
		t.Errorf("problem = %q", p)
	}
	if len(snap.ConfigMaps) != 1 || stats.Skipped != 3 || stats.Objects != 1 {
		t.Errorf("configmaps %d, stats %+v: want the alerts ConfigMap loaded and 3 documents skipped", len(snap.ConfigMaps), stats)
	}
}

// TestSamePriorityANPs checks the warning for AdminNetworkPolicies of one
// priority that select the same pods, whose order the spec leaves
// undefined.
func TestSamePriorityANPs(t *testing.T) {
	anp := func(name string, prio int, subject string) string {
		return "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: " + name + "}\nspec: {priority: " + itoa(prio) + ", subject: " + subject + "}\n---\n"
	}
	pods := "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {tier: gold}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: a, labels: {app: db}}\nspec: {containers: [{name: c, image: i}]}\n---\n"
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"same subject", anp("x", 5, "{namespaces: {}}") + anp("why", 5, "{namespaces: {}}"),
			[]string{"AdminNetworkPolicies x (in.yaml:1 (document 1)) and why (in.yaml:6 (document 2)) have the same priority 5 and both select the same subject"}},
		{"overlap through a pod", pods + anp("x", 5, "{namespaces: {matchLabels: {tier: gold}}}") + anp("why", 5, "{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}"),
			[]string{"both select pod a/db"}},
		{"different priorities", anp("x", 5, "{namespaces: {}}") + anp("why", 6, "{namespaces: {}}"), nil},
		{"same priority, no pod in both", pods + anp("x", 5, "{namespaces: {matchLabels: {tier: gold}}}") + anp("why", 5, "{namespaces: {matchLabels: {tier: silver}}}"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New("in", Options{})
			l.Bytes("in.yaml", []byte(tc.in))
			snap, _, err := l.Result()
			if err != nil || len(snap.Problems) > 0 {
				t.Fatalf("err %v, problems %v", err, snap.Problems)
			}
			if len(snap.Warnings) != len(tc.want) {
				t.Fatalf("warnings = %v, want %d", snap.Warnings, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(snap.Warnings[i].String(), w) {
					t.Errorf("warning %q, want it to contain %q", snap.Warnings[i], w)
				}
			}
			if len(snap.AdminNetworkPolicies) != 2 {
				t.Errorf("a warning must not drop the policies: %d loaded", len(snap.AdminNetworkPolicies))
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestWarningsRoundTrip checks that a written snapshot keeps its warnings.
func TestWarningsRoundTrip(t *testing.T) {
	snap := &snapshot.Snapshot{Source: "s", Warnings: []snapshot.Problem{{Where: "a.yaml:3", Message: "merged"}}, Problems: []snapshot.Problem{{Where: "b.yaml:1", Message: "skipped"}}}
	for _, format := range []string{"yaml", "json"} {
		var buf bytes.Buffer
		if err := snap.Write(&buf, format, KindOf); err != nil {
			t.Fatal(err)
		}
		back := &snapshot.Snapshot{}
		Bytes(back, "s."+format, buf.Bytes())
		if d := cmp.Diff(snap.Warnings, back.Warnings); d != "" {
			t.Errorf("%s: warnings (-want +got):\n%s", format, d)
		}
		if d := cmp.Diff(snap.Problems, back.Problems); d != "" {
			t.Errorf("%s: problems (-want +got):\n%s", format, d)
		}
	}
}
