package analysis

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/analysis/analysistest"
	"github.com/bulkhead-dev/bulkhead/internal/attackpath"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// The verdict properties: one fact, one severity everywhere, and adding a
// vulnerability never lowers a verdict. They are checked on random small
// clusters mixing every layer: pods on shared nodes (some privileged),
// NetworkPolicies, RBAC bindings of tenants' service accounts.

// vulnerability adds one object that can only open access: a binding, a
// privileged pod, or a wider NetworkPolicy rule.
func vulnerability(r *rand.Rand, snap *snapshot.Snapshot) string {
	ns := snap.Namespaces[r.Intn(len(snap.Namespaces))].Name
	switch r.Intn(4) {
	case 0:
		role := []string{"edit", "view", "cluster-admin", "admin"}[r.Intn(4)]
		snap.ClusterRoles = append(snap.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "vuln-" + role},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Verbs: []string{"get", "list", "create"}, Resources: []string{"pods", "pods/exec"}}}})
		snap.ClusterRoleBindings = append(snap.ClusterRoleBindings, rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "vuln"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "vuln-" + role},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}}})
		return "cluster-wide binding of " + ns + "/default"
	case 1:
		p := analysistest.Pod(r, ns, 99, len(snap.Nodes))
		privileged := true
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
		p.Spec.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
		snap.Pods = append(snap.Pods, p)
		return "privileged pod in " + ns
	case 2:
		for i := range snap.NetworkPolicies {
			np := &snap.NetworkPolicies[i]
			if len(np.Spec.Ingress) > 0 || r.Intn(2) == 0 {
				np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{})
				return "allow-all rule in " + np.Namespace
			}
		}
		fallthrough
	default:
		snap.RoleBindings = append(snap.RoleBindings, rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "vuln", Namespace: ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "vuln-exec"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:serviceaccounts"}}})
		snap.ClusterRoles = append(snap.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "vuln-exec"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Verbs: []string{"create", "get"}, Resources: []string{"pods/exec", "pods"}}}})
		return "exec for every service account in " + ns
	}
}

// audited runs the whole audit with the matrix on a copy of snap.
func audited(t *testing.T, snap *snapshot.Snapshot) (*Report, *attackpath.Model) {
	t.Helper()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	facts := NewFacts(snap, ten)
	rep := Run(facts, Engines(), Options{Matrix: true})
	return rep, facts.Graph()
}

func clone(t *testing.T, seed int64) *snapshot.Snapshot {
	t.Helper()
	snap := analysistest.Cluster(rand.New(rand.NewSource(seed)))
	snap.Normalize()
	return snap
}

func TestVerdictProperties(t *testing.T) {
	for seed := int64(1); seed <= 150; seed++ {
		r := rand.New(rand.NewSource(seed))
		before, model := audited(t, clone(t, seed))
		checkAgreement(t, seed, before, model)

		after := clone(t, seed)
		what := vulnerability(r, after)
		after.Normalize()
		afterRep, afterModel := audited(t, after)
		checkAgreement(t, seed, afterRep, afterModel)
		for _, c := range before.Isolation.Cells {
			d := afterRep.Isolation.Cell(c.Source, c.Target)
			switch {
			case d == nil:
				t.Errorf("seed %d: %s made %s → %s isolated (was %s)", seed, what, c.Source, c.Target, c.Worst)
			case d.Worst < c.Worst:
				t.Errorf("seed %d: %s lowered %s → %s from %s to %s", seed, what, c.Source, c.Target, c.Worst, d.Worst)
			default:
				for _, l := range c.Layers {
					if !slices.Contains(d.Layers, l) {
						t.Errorf("seed %d: %s removed layer %s from %s → %s", seed, what, l, c.Source, c.Target)
					}
				}
			}
		}
	}
}

// checkAgreement: every finding that names two tenants shows in their cell
// at least as severe; every cell's witness and the paths command agree on
// its severity.
func checkAgreement(t *testing.T, seed int64, rep *Report, model *attackpath.Model) {
	t.Helper()
	x := rep.Isolation
	side := func(t string, set []string) []string {
		switch {
		case t == "*" && set != nil:
			return set
		case t == "*":
			var out []string
			for _, x := range x.Tenants {
				if x != tenancy.Cluster {
					out = append(out, x)
				}
			}
			return out
		}
		return []string{t}
	}
	for _, f := range rep.Findings {
		if f.SourceTenant == "" || f.TargetTenant == "" {
			continue
		}
		for _, a := range side(f.SourceTenant, f.SourceTenants) {
			for _, b := range side(f.TargetTenant, f.TargetTenants) {
				if a == b || a == tenancy.Cluster {
					continue
				}
				if c := x.Cell(a, b); c == nil || c.Worst < f.Severity || !slices.Contains(c.Findings, f.ID) {
					t.Errorf("seed %d: finding %s %s %s → %s is not in its cell (%+v)", seed, f.ID, f.Severity, a, b, c)
				}
			}
		}
	}
	for _, c := range x.Cells {
		ps := model.Paths(attackpath.Source{Tenant: c.Source}, attackpath.Target{Tenant: c.Target})
		graphWorst, hasPath := finding.Info, len(ps) > 0
		if hasPath {
			graphWorst = ps[0].Severity
		}
		if c.Witness != nil && c.Witness.Severity != graphWorst {
			t.Errorf("seed %d: %s → %s witness %s, paths say %s", seed, c.Source, c.Target, c.Witness.Severity, graphWorst)
		}
		if hasPath && c.Worst < graphWorst {
			t.Errorf("seed %d: %s → %s cell %s below its worst path %s", seed, c.Source, c.Target, c.Worst, graphWorst)
		}
		if c.Witness != nil {
			sev := finding.Info
			for _, h := range c.Witness.Hops {
				sev = max(sev, h.Severity)
			}
			if c.Witness.Severity > sev {
				t.Errorf("seed %d: %s → %s witness claims %s, its hops at most %s", seed, c.Source, c.Target, c.Witness.Severity, sev)
			}
		}
	}
}

// TestPlatformIsExposure: a platform namespace's cluster-wide power shows
// in its row as platform exposure, never as a breach between tenants, and
// is still reported as findings; tenants reaching the platform are
// breaches.
func TestPlatformIsExposure(t *testing.T) {
	snap := &snapshot.Snapshot{Source: "platform"}
	for _, ns := range []string{"monitoring", "a", "b"} {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubernetes.io/metadata.name": ns}}})
		snap.ServiceAccounts = append(snap.ServiceAccounts, corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}})
		snap.Pods = append(snap.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
			Spec:   corev1.PodSpec{NodeName: "n1", ServiceAccountName: "default", Containers: []corev1.Container{{Name: "c", Image: "x"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0." + fmt.Sprint(len(snap.Pods)+1)}})
	}
	snap.ClusterRoles = []rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "scraper"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Verbs: []string{"get", "list"}, Resources: []string{"secrets", "pods"}}}}}
	snap.ClusterRoleBindings = []rbacv1.ClusterRoleBinding{{ObjectMeta: metav1.ObjectMeta{Name: "scraper"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "scraper"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: "monitoring"}}}}
	snap.Normalize()
	ten, err := tenancy.Resolve(snap, tenancy.Config{PlatformNamespaces: []string{"monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(NewFacts(snap, ten), Engines(), Options{Matrix: true})
	c := rep.Isolation.Cell(tenancy.Platform, "a")
	if c == nil || c.Isolated || !c.Platform || c.Breached() {
		t.Fatalf("platform → a = %+v, want reached, platform exposure, not breached", c)
	}
	if c := rep.Isolation.Cell("a", tenancy.Platform); c == nil || !c.Breached() || c.Platform {
		t.Errorf("a → platform = %+v, want a breach (nothing isolates the pods)", c)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || (f.SourceTenant == tenancy.Platform && f.Severity >= finding.High)
	}
	if !found {
		t.Error("the platform's secret reading is no longer reported")
	}
}

// TestEscapeBreachesTheCluster: a pod that escapes to its node owns the
// node, an asset of the cluster tenant (kubelet credentials, mounted
// secrets), even when the input holds no system namespace; the cell and
// the paths agree.
func TestEscapeBreachesTheCluster(t *testing.T) {
	privileged := true
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "a"}}},
		Pods: []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "shell", Namespace: "a"},
			Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "x",
				SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning}}},
	}
	snap.Normalize()
	rep, model := audited(t, snap)
	c := rep.Isolation.Cell("a", tenancy.Cluster)
	if c == nil || !c.Breached() || c.Worst != finding.Critical {
		t.Fatalf("a → cluster = %+v, want breached, critical", c)
	}
	ps := model.Paths(attackpath.Source{Tenant: "a"}, attackpath.Target{Tenant: tenancy.Cluster})
	if len(ps) == 0 || ps[0].Severity != finding.Critical {
		t.Errorf("paths a → cluster = %v, want a critical path", ps)
	}
}
