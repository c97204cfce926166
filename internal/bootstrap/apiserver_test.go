package bootstrap

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the embedded policy from what the real API server serves")

// TestAPIServerBootstrapPolicy starts a fresh kube-apiserver and fails when
// the embedded policy of its version is not exactly what it serves. With
// -update (go generate) it rewrites the file instead.
func TestAPIServerBootstrapPolicy(t *testing.T) {
	cfg := testenv.Start(t)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	version := "v" + sv.Major + "." + sv.Minor
	served := servedPolicy(t, cs)
	got, err := Encode(served, sv.GitVersion)
	if err != nil {
		t.Fatal(err)
	}
	file := version + ".yaml"
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d bytes", file, len(got))
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no embedded policy for the tested server %s: %v (run go generate ./internal/bootstrap)", sv.GitVersion, err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs from what kube-apiserver %s serves (run go generate ./internal/bootstrap) (-embedded +served):\n%s", file, sv.GitVersion, d)
	}

	// The emptied aggregated roles, recomputed by Normalize, get exactly the
	// rules the clusterrole-aggregation controller gave them.
	p, err := Load(version)
	if err != nil {
		t.Fatal(err)
	}
	snap := &snapshot.Snapshot{}
	p.AddTo(snap)
	snap.Normalize()
	ours := map[string][]rbacv1.PolicyRule{}
	for _, cr := range snap.ClusterRoles {
		if cr.AggregationRule != nil {
			ours[cr.Name] = cr.Rules
		}
	}
	if len(ours) == 0 {
		t.Fatal("no aggregated ClusterRoles in the embedded policy")
	}
	var d string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		theirs := map[string][]rbacv1.PolicyRule{}
		for _, cr := range servedPolicy(t, cs).ClusterRoles {
			if cr.AggregationRule != nil {
				theirs[cr.Name] = cr.Rules
			}
		}
		if d = cmp.Diff(theirs, ours); d == "" || time.Now().After(deadline) {
			break
		}
	}
	if d != "" {
		t.Errorf("aggregated rules (-kube-controller-manager +Normalize):\n%s", d)
	}
}

// servedPolicy lists the four RBAC kinds of every namespace.
func servedPolicy(t *testing.T, cs kubernetes.Interface) *Policy {
	t.Helper()
	ctx, rbac, all := context.Background(), cs.RbacV1(), metav1.ListOptions{}
	crs, err := rbac.ClusterRoles().List(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	crbs, err := rbac.ClusterRoleBindings().List(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rbac.Roles(metav1.NamespaceAll).List(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	rbs, err := rbac.RoleBindings(metav1.NamespaceAll).List(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	return &Policy{ClusterRoles: crs.Items, ClusterRoleBindings: crbs.Items, Roles: rs.Items, RoleBindings: rbs.Items}
}
