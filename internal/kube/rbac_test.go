package kube_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// TestLiveLeastPrivilege applies deploy/rbac.yaml to a real API server and
// loads the cluster as its service account: the shipped role must be enough
// for a load with no gap but secrets (in the optional role), and with the
// optional role bound, none at all. A user with almost no access gets gaps,
// not an error.
func TestLiveLeastPrivilege(t *testing.T) {
	cfg := testenv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	deploy, err := load.Paths([]string{"../../deploy/rbac.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if len(deploy.Problems) > 0 || len(deploy.Unknown) > 0 {
		t.Fatalf("deploy/rbac.yaml: %v %v", deploy.Problems, deploy.Unknown)
	}
	c, err := client.New(cfg, client.Options{Scheme: load.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range deploy.Objects() {
		if err := c.Create(ctx, o.Obj.DeepCopyObject().(client.Object)); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create %s %s: %v", o.Kind, o.Obj.GetName(), err)
		}
	}
	sa := "system:serviceaccount:bulkhead-system:bulkhead"
	as := func(user string) *rest.Config {
		c := rest.CopyConfig(cfg)
		c.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
		return c
	}

	// The authorizer sees new bindings through an informer: wait for them.
	waitAllowed(t, ctx, cfg, sa, "list", "namespaces")
	waitAllowed(t, ctx, cfg, sa, "list", "pods")
	snap, err := kube.Load(ctx, as(sa), "reader", kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]snapshot.Gap{{Resource: "secrets", Reason: "forbidden"}}, snap.Gaps); d != "" {
		t.Errorf("gaps with bulkhead-reader (-want +got):\n%s", d)
	}
	if len(snap.ClusterRoles) == 0 || len(snap.Namespaces) == 0 {
		t.Errorf("reader saw %d cluster roles and %d namespaces", len(snap.ClusterRoles), len(snap.Namespaces))
	}

	secretNames := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-secret-names"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "bulkhead-secret-names"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "bulkhead", Namespace: "bulkhead-system"}},
	}
	if err := c.Create(ctx, secretNames); err != nil {
		t.Fatal(err)
	}
	waitAllowed(t, ctx, cfg, sa, "list", "secrets")
	snap, err = kube.Load(ctx, as(sa), "reader", kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Gaps) > 0 {
		t.Errorf("gaps with both roles: %v", snap.Gaps)
	}

	// The shipped roles grant no write and no secret read.
	for _, verb := range []string{"create", "update", "patch", "delete"} {
		if allowed(t, ctx, cfg, sa, verb, "pods") {
			t.Errorf("%s may %s pods", sa, verb)
		}
	}
	if allowed(t, ctx, cfg, sa, "get", "secrets") {
		t.Errorf("%s may get secrets", sa)
	}

	// Almost no access: an error naming every essential list refused, or,
	// with incomplete input allowed, a gap per list.
	_, err = kube.Load(ctx, as("nobody"), "nobody", kube.Options{})
	var inc *kube.IncompleteError
	if !errors.As(err, &inc) || len(inc.Refusals) != 7 {
		t.Errorf("load as nobody: %v, want an *IncompleteError naming the 7 essential lists", err)
	}
	snap, err = kube.Load(ctx, as("nobody"), "nobody", kube.Options{AllowIncomplete: true})
	if err != nil {
		t.Fatalf("load as nobody with incomplete input allowed: %v", err)
	}
	if len(snap.Gaps) < 20 {
		t.Errorf("nobody's load has %d gaps, want one per list: %v", len(snap.Gaps), snap.Gaps)
	}
}

// waitAllowed polls until the API server allows the request.
func waitAllowed(t *testing.T, ctx context.Context, cfg *rest.Config, user, verb, resource string) {
	t.Helper()
	for !allowed(t, ctx, cfg, user, verb, resource) {
		select {
		case <-ctx.Done():
			t.Fatalf("%s never allowed to %s %s", user, verb, resource)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func allowed(t *testing.T, ctx context.Context, cfg *rest.Config, user, verb, resource string) bool {
	t.Helper()
	c, err := client.New(cfg, client.Options{Scheme: load.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user, Groups: []string{"system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Resource: resource, Namespace: "default"},
	}}
	if err := c.Create(ctx, sar); err != nil {
		t.Fatal(err)
	}
	return sar.Status.Allowed
}
