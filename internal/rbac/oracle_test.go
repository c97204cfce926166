package rbac_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/rbac/rbacgen"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// oracleQueries is how many random SubjectAccessReviews the differential
// test compares.
const oracleQueries = 8000

// TestOracleSubjectAccessReview loads a random RBAC configuration and the
// seed article's RBAC into a real kube-apiserver (with the
// clusterrole-aggregation controller), then compares bulkhead's decision
// with the API server's SubjectAccessReview for thousands of random
// requests. Any mismatch fails.
func TestOracleSubjectAccessReview(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real kube-apiserver")
	}
	cfg := testenv.Start(t)
	cfg.QPS, cfg.Burst = 2000, 4000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	gen := rbacgen.Generate(rbacgen.Small)
	seed, err := load.Paths([]string{filepath.Join("..", "..", "examples", "seed-cluster", "30-rbac.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	createAll(ctx, t, cs, gen, seed, impersonationFixture())
	waitForAuthorizer(ctx, t, cs)
	t.Logf("created %d roles, %d cluster roles, %d role bindings, %d cluster role bindings in %v",
		len(gen.Roles)+len(seed.Roles), len(gen.ClusterRoles)+len(seed.ClusterRoles),
		len(gen.RoleBindings)+len(seed.RoleBindings), len(gen.ClusterRoleBindings)+len(seed.ClusterRoleBindings), time.Since(start))

	// The snapshot bulkhead judges is what the server holds, bootstrap
	// roles and bindings included, with aggregation recomputed offline.
	snap := settle(ctx, t, cs)
	authz := rbac.NewAuthorizer(snap)

	queries := rbacgen.Queries(gen, rbacgen.Small, 2, oracleQueries)
	want := append(seedQueries(), impersonationQueries()...)
	for _, q := range want {
		queries = append(queries, q.req)
	}
	start = time.Now()
	answers := review(ctx, t, cs, queries)
	t.Logf("%d SubjectAccessReviews in %v", len(queries), time.Since(start))

	allowed, mismatches := 0, 0
	for i, q := range queries {
		d := authz.Authorize(q)
		if answers[i] {
			allowed++
		}
		if d.Allowed != answers[i] {
			mismatches++
			if mismatches <= 20 {
				t.Errorf("mismatch: %+v: kube-apiserver allowed=%v, bulkhead allowed=%v (%s)", q, answers[i], d.Allowed, d.Reason())
			}
		}
	}
	for i, q := range want {
		if got := answers[len(queries)-len(want)+i]; got != q.allowed {
			t.Errorf("%s: kube-apiserver says %v, expected %v", q.what, got, q.allowed)
		}
	}
	checkImpersonationClaims(t, authz, answers[len(queries)-len(want):], want)
	t.Logf("%d queries, %d allowed, %d denied, %d mismatches", len(queries), allowed, len(queries)-allowed, mismatches)
	compareRulesReviews(ctx, t, cfg, authz, queries)
	if allowed < len(queries)/10 || allowed > len(queries)*9/10 {
		t.Errorf("%d of %d queries allowed: the generator no longer probes both answers", allowed, len(queries))
	}
}

type seedQuery struct {
	what    string
	req     rbac.Request
	allowed bool
}

// seedQueries are the seed article's kubectl auth can-i --as commands.
func seedQueries() []seedQuery {
	q := func(user, verb, ns string, allowed bool) seedQuery {
		return seedQuery{
			what:    fmt.Sprintf("kubectl auth can-i %s pods -n %q --as %s", verb, ns, user),
			req:     rbac.Request{User: user, Groups: rbac.ImpersonatedGroups(user, nil), Verb: verb, Resource: "pods", Namespace: ns},
			allowed: allowed,
		}
	}
	return []seedQuery{
		q("alice", "list", "test-namespace", true),
		q("alice", "get", "test-namespace", true),
		q("alice", "list", "default", false),
		q("alice", "list", "kube-system", false),
		q("alice", "list", "", false),
		q("alice", "delete", "test-namespace", false),
		q("bob", "list", "test-namespace", true),
		q("bob", "list", "default", true),
		q("bob", "list", "kube-system", true),
		q("bob", "watch", "", true),
		q("bob", "create", "default", false),
	}
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func createAll(ctx context.Context, t *testing.T, cs kubernetes.Interface, snaps ...*snapshot.Snapshot) {
	t.Helper()
	var mu sync.Mutex
	fail := func(err error) {
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Errorf("create: %v", err)
		}
	}
	opts := metav1.CreateOptions{}
	namespaces := map[string]bool{"test-namespace": true}
	for _, s := range snaps {
		for _, ns := range s.Namespaces {
			namespaces[ns.Name] = true
		}
	}
	var names []string
	for ns := range namespaces {
		names = append(names, ns)
	}
	sort.Strings(names)
	parallel(len(names), 8, func(i int) {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: names[i]}}, opts)
		fail(err)
	})
	for _, s := range snaps {
		parallel(len(s.ClusterRoles), 8, func(i int) {
			_, err := cs.RbacV1().ClusterRoles().Create(ctx, &s.ClusterRoles[i], opts)
			fail(err)
		})
		parallel(len(s.Roles), 8, func(i int) {
			_, err := cs.RbacV1().Roles(s.Roles[i].Namespace).Create(ctx, &s.Roles[i], opts)
			fail(err)
		})
		parallel(len(s.ClusterRoleBindings), 8, func(i int) {
			_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &s.ClusterRoleBindings[i], opts)
			fail(err)
		})
		parallel(len(s.RoleBindings), 8, func(i int) {
			_, err := cs.RbacV1().RoleBindings(s.RoleBindings[i].Namespace).Create(ctx, &s.RoleBindings[i], opts)
			fail(err)
		})
	}
	if t.Failed() {
		t.FailNow()
	}
}

// settle waits until the aggregation controller's rules equal bulkhead's
// offline fixpoint (snapshot.Aggregate on the server's roles with the
// aggregated rules cleared), then returns the server's RBAC objects with
// the offline aggregation applied.
func settle(ctx context.Context, t *testing.T, cs kubernetes.Interface) *snapshot.Snapshot {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		server := readRBAC(ctx, t, cs)
		offline := &snapshot.Snapshot{ClusterRoles: make([]rbacv1.ClusterRole, len(server.ClusterRoles))}
		for i := range server.ClusterRoles {
			offline.ClusterRoles[i] = *server.ClusterRoles[i].DeepCopy()
			if offline.ClusterRoles[i].AggregationRule != nil {
				offline.ClusterRoles[i].Rules = nil
			}
		}
		offline.Aggregate()
		diffs := 0
		var last string
		for i := range server.ClusterRoles {
			if server.ClusterRoles[i].AggregationRule == nil {
				continue
			}
			if !sameRules(server.ClusterRoles[i].Rules, offline.ClusterRoles[i].Rules) {
				diffs++
				last = server.ClusterRoles[i].Name
			}
		}
		if diffs == 0 {
			server.ClusterRoles = offline.ClusterRoles
			return server
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s, %d aggregated ClusterRoles (e.g. %s) differ between kube-controller-manager and snapshot.Aggregate", diffs, last)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func readRBAC(ctx context.Context, t *testing.T, cs kubernetes.Interface) *snapshot.Snapshot {
	t.Helper()
	s := &snapshot.Snapshot{}
	crs, err := cs.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.ClusterRoles = crs.Items
	crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.ClusterRoleBindings = crbs.Items
	roles, err := cs.RbacV1().Roles("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Roles = roles.Items
	rbs, err := cs.RbacV1().RoleBindings("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.RoleBindings = rbs.Items
	return s
}

// sameRules compares rule lists as sets.
func sameRules(a, b []rbacv1.PolicyRule) bool {
	has := func(xs []rbacv1.PolicyRule, r rbacv1.PolicyRule) bool {
		for _, x := range xs {
			if reflect.DeepEqual(norm(x), norm(r)) {
				return true
			}
		}
		return false
	}
	for _, r := range a {
		if !has(b, r) {
			return false
		}
	}
	for _, r := range b {
		if !has(a, r) {
			return false
		}
	}
	return true
}

func norm(r rbacv1.PolicyRule) rbacv1.PolicyRule {
	z := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	return rbacv1.PolicyRule{Verbs: z(r.Verbs), APIGroups: z(r.APIGroups), Resources: z(r.Resources), ResourceNames: z(r.ResourceNames), NonResourceURLs: z(r.NonResourceURLs)}
}

// review asks kube-apiserver about every request, in parallel.
func review(ctx context.Context, t *testing.T, cs kubernetes.Interface, queries []rbac.Request) []bool {
	t.Helper()
	answers := make([]bool, len(queries))
	errs := make([]error, len(queries))
	parallel(len(queries), 16, func(i int) {
		q := queries[i]
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: q.User, Groups: q.Groups}}
		if q.IsResource() {
			sar.Spec.ResourceAttributes = &authorizationv1.ResourceAttributes{
				Namespace: q.Namespace, Verb: q.Verb, Group: q.APIGroup, Resource: q.Resource, Subresource: q.Subresource, Name: q.Name,
			}
		} else {
			sar.Spec.NonResourceAttributes = &authorizationv1.NonResourceAttributes{Path: q.Path, Verb: q.Verb}
		}
		res, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			errs[i] = err
			return
		}
		answers[i] = res.Status.Allowed
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("SubjectAccessReview %+v: %v", queries[i], err)
		}
	}
	return answers
}

// compareRulesReviews compares RulesFor (what can-i --list prints) with a
// SelfSubjectRulesReview made by the impersonated subject, for the first
// distinct subjects of the queries, in one namespace each. Rules are
// compared broken down to single verb, group, resource, name and URL atoms.
func compareRulesReviews(ctx context.Context, t *testing.T, cfg *rest.Config, authz *rbac.Authorizer, queries []rbac.Request) {
	t.Helper()
	type subject struct{ user, groups, ns string }
	seen := map[subject]bool{}
	var picked []rbac.Request
	for _, q := range queries {
		if q.Namespace == "" || q.User == rbac.AnonymousUser {
			continue // a rules review needs a namespace; anonymous cannot be impersonated with groups as-is
		}
		k := subject{q.User, fmt.Sprint(q.Groups), q.Namespace}
		if !seen[k] && len(picked) < 60 {
			seen[k] = true
			picked = append(picked, q)
		}
	}
	var mu sync.Mutex
	parallel(len(picked), 8, func(i int) {
		q := picked[i]
		c := rest.CopyConfig(cfg)
		c.Impersonate = rest.ImpersonationConfig{UserName: q.User, Groups: q.Groups}
		cs, err := kubernetes.NewForConfig(c)
		if err != nil {
			t.Error(err)
			return
		}
		res, err := cs.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx,
			&authorizationv1.SelfSubjectRulesReview{Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: q.Namespace}}, metav1.CreateOptions{})
		if err != nil {
			t.Errorf("SelfSubjectRulesReview as %s %q: %v", q.User, q.Groups, err)
			return
		}
		// The impersonation filter adds system:authenticated when absent.
		groups := rbac.ImpersonatedGroups(q.User, q.Groups)
		if len(q.Groups) == 0 {
			groups = rbac.ImpersonatedGroups(q.User, nil)
		}
		want := map[string]bool{}
		for _, r := range res.Status.ResourceRules {
			atoms(want, rbacv1.PolicyRule{Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources, ResourceNames: r.ResourceNames})
		}
		for _, r := range res.Status.NonResourceRules {
			atoms(want, rbacv1.PolicyRule{Verbs: r.Verbs, NonResourceURLs: r.NonResourceURLs})
		}
		got := map[string]bool{}
		for _, x := range authz.RulesFor(q.User, groups, q.Namespace) {
			atoms(got, x.Rule)
		}
		if !reflect.DeepEqual(want, got) {
			mu.Lock()
			defer mu.Unlock()
			t.Errorf("rules of %s %q in %s: kube-apiserver has %d atoms, bulkhead %d", q.User, groups, q.Namespace, len(want), len(got))
		}
	})
	t.Logf("%d SelfSubjectRulesReviews compared", len(picked))
}

func atoms(into map[string]bool, r rbacv1.PolicyRule) {
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			for _, v := range r.Verbs {
				if len(r.ResourceNames) == 0 {
					into[v+" "+g+" "+res] = true
				}
				for _, n := range r.ResourceNames {
					into[v+" "+g+" "+res+" "+n] = true
				}
			}
		}
	}
	for _, u := range r.NonResourceURLs {
		for _, v := range r.Verbs {
			into[v+" "+u] = true
		}
	}
}

// waitForAuthorizer creates a sentinel Role, RoleBinding, ClusterRole and
// ClusterRoleBinding after everything else and waits until the API
// server's authorizer grants through them: its informers deliver each
// kind's objects in order, so every object created before is then in
// force too.
func waitForAuthorizer(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	rule := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}, ResourceNames: []string{"bulkhead-sentinel"}}}
	ref := func(kind string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: "bulkhead-sentinel"}
	}
	subjects := func(user string) []rbacv1.Subject {
		return []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}}
	}
	meta := metav1.ObjectMeta{Name: "bulkhead-sentinel", Namespace: "test-namespace"}
	clusterMeta := metav1.ObjectMeta{Name: "bulkhead-sentinel"}
	for _, err := range []error{
		func() error {
			_, err := cs.RbacV1().Roles(meta.Namespace).Create(ctx, &rbacv1.Role{ObjectMeta: meta, Rules: rule}, metav1.CreateOptions{})
			return err
		}(),
		func() error {
			_, err := cs.RbacV1().RoleBindings(meta.Namespace).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta, RoleRef: ref("Role"), Subjects: subjects("sentinel-ns")}, metav1.CreateOptions{})
			return err
		}(),
		func() error {
			_, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: clusterMeta, Rules: rule}, metav1.CreateOptions{})
			return err
		}(),
		func() error {
			_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: clusterMeta, RoleRef: ref("ClusterRole"), Subjects: subjects("sentinel-cluster")}, metav1.CreateOptions{})
			return err
		}(),
	} {
		if err != nil {
			t.Fatalf("sentinel: %v", err)
		}
	}
	for _, user := range []string{"sentinel-ns", "sentinel-cluster"} {
		for {
			res, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: user, ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: meta.Namespace, Verb: "get", Resource: "configmaps", Name: "bulkhead-sentinel"},
			}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status.Allowed {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("the API server never authorized %s through the sentinel bindings", user)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
