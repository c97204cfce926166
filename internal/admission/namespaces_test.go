package admission

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// manyNamespaces is the admission of a cluster of n tenant namespaces
// (tenants of five namespaces each), a namespace named like a tenant
// without a label of its own, an unlabelled one and kube-system.
func manyNamespaces(t testing.TB, n int) *Admission {
	t.Helper()
	snap := &snapshot.Snapshot{Source: "test"}
	ns := func(name string, labels map[string]string) {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})
	}
	for i := range n {
		ns(fmt.Sprintf("ns-%04d", i), map[string]string{tenantLabel: fmt.Sprintf("t%03d", i/5), "team": "x"})
	}
	ns("t001", nil) // a tenant of its own named like the grouped tenant t001
	ns("loner", nil)
	ns("kube-system", nil)
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestTenantWith: a namespace's tenant with given labels is the one
// resolving every namespace again gives, whether its labels are the
// stored ones or not.
func TestTenantWith(t *testing.T) {
	a := manyNamespaces(t, 50)
	for _, c := range []struct {
		name   string
		ns     *corev1.Namespace
		tenant string
	}{
		{"labels as stored", nsWith("ns-0007", tenantLabel, "t001", "team", "x"), "t001"},
		{"labels as stored, none but the name", nsWith("loner"), "loner"},
		{"no labels at all", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "loner"}}, "loner"},
		{"without the name label", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns-0007", Labels: map[string]string{tenantLabel: "t001"}}}, "t001"},
		{"own tenant named like a grouped one", nsWith("t001"), tenancy.OwnPrefix + "t001"},
		{"kube-system", nsWith("kube-system"), tenancy.Cluster},
		{"another tenant's label", nsWith("ns-0007", tenantLabel, "t004", "team", "x"), "t004"},
		{"another label", nsWith("ns-0007", tenantLabel, "t001", "team", "y"), "t001"},
		{"the tenant label removed", nsWith("ns-0007", "team", "x"), "ns-0007"},
		{"a new namespace", nsWith("fresh", tenantLabel, "t002"), "t002"},
		{"a new one named like a grouped tenant", nsWith("t003"), tenancy.OwnPrefix + "t003"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := a.tenantWith(c.ns)
			if err != nil {
				t.Fatal(err)
			}
			want, err := a.resolveWith(c.ns)
			if err != nil {
				t.Fatal(err)
			}
			if got != want || got != c.tenant {
				t.Errorf("tenant %q, resolving again %q, want %q", got, want, c.tenant)
			}
		})
	}
}

// TestNamespaceUpdateKeepingLabels: an update that keeps a namespace's
// labels (its status, finalizers, annotations: most namespace writes)
// does not resolve every namespace of the cluster again, so it costs the
// same in a cluster of 50 namespaces as in one of 2,000.
func TestNamespaceUpdateKeepingLabels(t *testing.T) {
	allocs := func(n int) float64 {
		a := manyNamespaces(t, n)
		old := nsWith("ns-0007", tenantLabel, "t001", "team", "x")
		changed := old.DeepCopy()
		changed.Annotations = map[string]string{"note": "x"}
		req := Request{Operation: Update, Kind: corev1.SchemeGroupVersion.WithKind("Namespace"), Name: old.Name, Object: changed, OldObject: old,
			User: User{Name: "system:serviceaccount:ns-0007:deployer"}}
		return testing.AllocsPerRun(20, func() {
			if d := a.Decide(req); !d.Allowed {
				t.Fatalf("denied: %s", d.Message)
			}
		})
	}
	small, large := allocs(50), allocs(2000)
	if large > small+5 {
		t.Errorf("%v allocations a request among 2,000 namespaces, %v among 50: want the same", large, small)
	}
}

// nsWith is a namespace as the API server sends it, with labels given as
// key, value pairs besides kubernetes.io/metadata.name.
func nsWith(name string, kv ...string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelMetadataName: name}}}
	for i := 0; i+1 < len(kv); i += 2 {
		ns.Labels[kv[i]] = kv[i+1]
	}
	return ns
}

// TestTenantWithAgreesWithResolvingAll: for every namespace name of
// clusters built to hit tenancy's corners (a namespace of its own named
// like a grouped tenant, a grouped tenant named like its namespace, a
// single namespace carrying the tenant label, a tenants file claiming by
// name, glob and selector, twice), with every label set tried, the tenant
// (or the error) is the one grouping every namespace again gives.
func TestTenantWithAgreesWithResolvingAll(t *testing.T) {
	file, err := tenancy.ParseFile([]byte(`tenants:
- name: red
  namespaces: [red-*, t001]
  selector: {matchLabels: {color: red}}
- name: blue
  namespaces: [blue-1]
  selector: {matchLabels: {color: blue}}
- name: loner
  namespaces: [solo]
platform: [monitoring]
`))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"t001", "t002", "ns-0001", "ns-0007", "loner", "solo", "red-1", "blue-1", "kube-system", "monitoring", "cluster", "fresh"}
	labelSets := []map[string]string{nil, {}, {tenantLabel: "t001"}, {tenantLabel: "t002"}, {tenantLabel: "loner"}, {tenantLabel: ""},
		{tenantLabel: "cluster"}, {tenantLabel: "fresh"}, {"color": "red"}, {"color": "blue"}, {"color": "red", tenantLabel: "t001"}}
	for _, c := range []struct {
		name       string
		namespaces []*corev1.Namespace
		cfg        tenancy.Config
	}{
		{"label", []*corev1.Namespace{nsWith("ns-0001", tenantLabel, "t001"), nsWith("ns-0007", tenantLabel, "t001"), nsWith("t001"), nsWith("t002", tenantLabel, "t002"),
			nsWith("loner"), nsWith("kube-system"), nsWith("cluster")}, tenancy.Config{Label: tenantLabel}},
		{"one carrier of the label", []*corev1.Namespace{nsWith("ns-0001", tenantLabel, "fresh"), nsWith("loner"), nsWith("kube-system")}, tenancy.Config{Label: tenantLabel}},
		{"file", []*corev1.Namespace{nsWith("red-1"), nsWith("blue-1"), nsWith("t001"), nsWith("solo"), nsWith("loner", "color", "blue"), nsWith("ns-0001", "color", "red"),
			nsWith("monitoring"), nsWith("kube-system")}, tenancy.Config{File: file}},
	} {
		snap := &snapshot.Snapshot{Source: "test"}
		for _, ns := range c.namespaces {
			snap.Namespaces = append(snap.Namespaces, *ns)
		}
		a, err := New(snapshot.NewStore(snap).View(), c.cfg, Config{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, name := range names {
			for _, ls := range labelSets {
				ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: ls}}
				t.Run(fmt.Sprintf("%s/%s/%v", c.name, name, ls), func(t *testing.T) {
					got, gotErr := a.tenantWith(ns)
					want, wantErr := a.resolveWith(ns)
					if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
						t.Errorf("tenant %q (error %v), resolving all %q (error %v)", got, gotErr, want, wantErr)
					}
				})
			}
		}
	}
}

// TestNamespaceRelabelCost: a namespace update that changes its labels
// costs the same among 50 namespaces as among 2,000.
func TestNamespaceRelabelCost(t *testing.T) {
	allocs := func(n int) float64 {
		a := manyNamespaces(t, n)
		old := nsWith("ns-0007", tenantLabel, "t001", "team", "x")
		moved := nsWith("ns-0007", tenantLabel, "t004", "team", "x")
		req := Request{Operation: Update, Kind: corev1.SchemeGroupVersion.WithKind("Namespace"), Name: old.Name, Object: moved, OldObject: old}
		return testing.AllocsPerRun(20, func() {
			if d := a.Decide(req); d.Allowed {
				t.Fatal("a namespace moved into another tenant was admitted")
			}
		})
	}
	small, large := allocs(50), allocs(2000)
	if large > small+5 {
		t.Errorf("%v allocations a request among 2,000 namespaces, %v among 50: want the same", large, small)
	}
}

// TestNamespaceActivations: a binding of tenant a names the group of the
// service accounts of a namespace that does not exist yet, or its default
// account. Creating the namespace in another tenant would activate it
// (kube-controller-manager creates the default account with it), so the
// namespace is denied, naming the binding; in tenant a it is admitted.
// The default account of a namespace whose group another tenant binds is
// denied with a fix that does not ask to rename it.
func TestNamespaceActivations(t *testing.T) {
	a := grantsFixture(t, Config{})
	cases := []decideCase{
		{"namespace of tenant b whose accounts' group tenant a binds", request(Create, nsWith("future", tenantLabel, "b"), nil), false, []string{"BH-API-001"}},
		{"the same namespace of its own tenant", request(Create, nsWith("future"), nil), false, []string{"BH-API-001"}},
		{"the same namespace in tenant a", request(Create, nsWith("future", tenantLabel, "a"), nil), true, nil},
		{"namespace whose default account tenant a binds", request(Create, nsWith("later-ns", tenantLabel, "b"), nil), false, []string{"BH-API-001"}},
		{"namespace no binding names", request(Create, nsWith("fresh", tenantLabel, "b"), nil), true, nil},
		{"namespace whose group tenant a binds, existing already", request(Create, nsWith("b-strict", tenantLabel, "b"), nil), true, nil},
		{"default account of a namespace whose group another tenant binds", request(Create, decode(t, serviceAccount("b-strict", "default")), nil), false, []string{"BH-API-001"}},
	}
	decideAll(t, a, "namespace-activations.txt", cases)
	for _, c := range cases {
		d := a.Decide(c.req)
		if d.Allowed {
			continue
		}
		if strings.Contains(d.Message, "name the account differently") {
			t.Errorf("%s: the fix asks to rename an account its creator cannot name: %s", c.name, d.Message)
		}
		if !strings.Contains(d.Message, "RoleBinding a-") {
			t.Errorf("%s: the binding is not named: %s", c.name, d.Message)
		}
	}
}
