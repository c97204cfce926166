package controller

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	psaapi "k8s.io/pod-security-admission/api"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// controllerUser is the identity the controller runs as in the tests: the
// service account deploy/controller-rbac.yaml binds (the server's).
const controllerUser = "system:serviceaccount:bulkhead-system:bulkhead-webhook"

// TestLiveBaseline runs the controller, as the service account of
// deploy/controller-rbac.yaml and nothing more, against a real API server
// holding the demo: the baseline harden plans for the cluster appears,
// a deleted policy and a removed Pod Security label come back within
// 10 s, a user's policy and the system namespaces are never written, a
// stale policy of the controller's is deleted, a converged cluster costs
// no write, and every permission of the role is used.
func TestLiveBaseline(t *testing.T) {
	cfg := testenv.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	admin, err := client.New(cfg, client.Options{Scheme: load.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	createDemo(ctx, t, admin)
	applyManifest(ctx, t, admin, "../../deploy/controller-rbac.yaml")

	// A user's own policy, a policy harden's command line wrote (not the
	// controller's), and a stale one the controller wrote before.
	tenantNS := "test"
	user := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "user-allow-web", Namespace: tenantNS},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}}
	fromCLI := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-by-hand", Namespace: tenantNS, Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy}},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	// And one harden's command line wrote under a name the baseline folds
	// into BaselinePolicy: replaced by it.
	folded := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-default-deny", Namespace: tenantNS, Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy}},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	for _, np := range []*networkingv1.NetworkPolicy{user, fromCLI, folded} {
		if err := admin.Create(ctx, np); err != nil {
			t.Fatal(err)
		}
	}
	stale, err := policyBody(&networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-stale", Namespace: tenantNS, Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy}},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Patch(ctx, stale, client.Apply, client.FieldOwner(FieldOwner)); err != nil {
		t.Fatal(err)
	}
	var kubeSystem corev1.Namespace
	if err := admin.Get(ctx, client.ObjectKey{Name: "kube-system"}, &kubeSystem); err != nil {
		t.Fatal(err)
	}

	// The baseline harden plans for the cluster as it is now, read live.
	want := plannedLive(ctx, t, cfg)
	if len(want[tenantNS].Policies) == 0 || len(want[tenantNS].Labels) == 0 {
		t.Fatalf("harden plans no policy or no label for %s: %+v", tenantNS, want[tenantNS])
	}

	seen := startController(ctx, t, cfg, Options{Namespace: "bulkhead-system"})
	start := time.Now()
	waitFor(ctx, t, 90*time.Second, "the baseline", func() string { return baselineMissing(ctx, admin, want) })
	t.Logf("the demo's baseline (%d namespaces) in %s", len(want), time.Since(start).Round(time.Millisecond))

	if !slices.Contains(want[tenantNS].Folds, folded.Name) {
		t.Fatalf("the baseline of %s folds %v, not %s", tenantNS, want[tenantNS].Folds, folded.Name)
	}
	for _, name := range []string{"bulkhead-stale", folded.Name} {
		waitFor(ctx, t, 10*time.Second, "policy "+name+" deleted", func() string {
			err := admin.Get(ctx, client.ObjectKey{Namespace: tenantNS, Name: name}, &networkingv1.NetworkPolicy{})
			if apierrors.IsNotFound(err) {
				return ""
			}
			return name + " is still there"
		})
	}

	// Converged: reconciling every namespace again writes nothing.
	time.Sleep(2 * DefaultDebounce)
	before := seen.writeCount()
	var nss corev1.NamespaceList
	if err := admin.List(ctx, &nss); err != nil {
		t.Fatal(err)
	}
	for i := range nss.Items {
		poke := []byte(`{"metadata":{"annotations":{"test.bulkhead.dev/poke":"` + time.Now().Format(time.RFC3339Nano) + `"}}}`)
		if err := admin.Patch(ctx, &nss.Items[i], client.RawPatch(types.MergePatchType, poke)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second)
	if w := seen.writesSince(before); len(w) > 0 {
		t.Errorf("a converged cluster cost %d writes: %v", len(w), w)
	}

	// Drift: a deleted policy and a removed label are set back.
	repaired := testutil.ToFloat64(driftRepaired.WithLabelValues("NetworkPolicy"))
	np := &networkingv1.NetworkPolicy{}
	if err := admin.Get(ctx, client.ObjectKey{Namespace: tenantNS, Name: want[tenantNS].Policies[0].Name}, np); err != nil {
		t.Fatal(err)
	}
	if err := admin.Delete(ctx, np); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	waitFor(ctx, t, 10*time.Second, "the deleted policy back", func() string { return baselineMissing(ctx, admin, want) })
	t.Logf("deleted NetworkPolicy %s/%s set back in %s", tenantNS, np.Name, time.Since(start).Round(time.Millisecond))
	if got := testutil.ToFloat64(driftRepaired.WithLabelValues("NetworkPolicy")); got != repaired+1 {
		t.Errorf("drift repaired metric %v, want %v", got, repaired+1)
	}

	unlabel := []byte(`{"metadata":{"labels":{"` + psaapi.EnforceLevelLabel + `":null}}}`)
	if err := admin.Patch(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenantNS}}, client.RawPatch(types.MergePatchType, unlabel)); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	waitFor(ctx, t, 10*time.Second, "the removed Pod Security label back", func() string { return baselineMissing(ctx, admin, want) })
	t.Logf("removed %s label of %s set back in %s", psaapi.EnforceLevelLabel, tenantNS, time.Since(start).Round(time.Millisecond))
	waitFor(ctx, t, 10*time.Second, "the events", func() string {
		var evs corev1.EventList
		if err := admin.List(ctx, &evs); err != nil { // a cluster-scoped object's events are in "default"
			return err.Error()
		}
		var reasons []string
		for _, e := range evs.Items {
			if e.InvolvedObject.Kind == "Namespace" && e.InvolvedObject.Name == tenantNS {
				reasons = append(reasons, e.Reason)
			}
		}
		for _, r := range []string{"BaselineApplied", "BaselineDeleted", "DriftRepaired"} {
			if !slices.Contains(reasons, r) {
				return "no " + r + " event on namespace " + tenantNS + ": " + strings.Join(reasons, ",")
			}
		}
		return ""
	})

	// Never written: the user's policy, harden's command line's, the
	// system namespaces.
	for _, np := range []*networkingv1.NetworkPolicy{user, fromCLI} {
		var got networkingv1.NetworkPolicy
		if err := admin.Get(ctx, client.ObjectKeyFromObject(np), &got); err != nil {
			t.Fatalf("%s: %v", np.Name, err)
		}
		if got.ResourceVersion != np.ResourceVersion || managedBy(got.ManagedFields, FieldOwner) {
			t.Errorf("the controller changed NetworkPolicy %s (resourceVersion %s → %s)", np.Name, np.ResourceVersion, got.ResourceVersion)
		}
	}
	var ks corev1.Namespace
	if err := admin.Get(ctx, client.ObjectKey{Name: "kube-system"}, &ks); err != nil {
		t.Fatal(err)
	}
	if managedBy(ks.ManagedFields, FieldOwner) {
		t.Error("the controller wrote kube-system")
	}
	var sysPolicies networkingv1.NetworkPolicyList
	if err := admin.List(ctx, &sysPolicies, client.InNamespace("kube-system")); err != nil || len(sysPolicies.Items) > 0 {
		t.Errorf("policies in kube-system: %d (%v)", len(sysPolicies.Items), err)
	}
	var status corev1.Namespace
	if err := admin.Get(ctx, client.ObjectKey{Name: tenantNS}, &status); err != nil || status.Annotations[StatusAnnotation] != "synced" {
		t.Errorf("status of %s: %q (%v)", tenantNS, status.Annotations[StatusAnnotation], err)
	}

	checkRoleUse(t, seen)
}

// checkRoleUse checks that the controller was never refused and used
// every permission of its role, but those it needs only in cases the test
// does not make.
func checkRoleUse(t *testing.T, seen *requests) {
	t.Helper()
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if len(seen.forbidden) > 0 {
		t.Errorf("the role of deploy/controller-rbac.yaml refused the controller: %v", seen.forbidden)
	}
	implied := map[request]string{
		{"create", "networking.k8s.io", "networkpolicies"}: "an apply that creates a policy is authorized as create too",
		{"patch", "", "events"}:                            "the recorder patches an event that repeats",
	}
	role := controllerRole(t)
	for _, rule := range role.Rules {
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				for _, v := range rule.Verbs {
					q := request{verb: v, group: g, resource: res}
					if seen.seen[q] == 0 && implied[q] == "" {
						t.Errorf("the role grants %s %s.%s, which the controller never did", v, res, g)
					}
				}
			}
		}
	}
}

func controllerRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	for _, u := range manifest(t, "../../deploy/controller-rbac.yaml") {
		if u.GetKind() == "ClusterRole" {
			var role rbacv1.ClusterRole
			if err := load.Scheme.Convert(u, &role, nil); err != nil {
				t.Fatal(err)
			}
			return &role
		}
	}
	t.Fatal("deploy/controller-rbac.yaml has no ClusterRole")
	return nil
}

// logVerbosity is the controller's log level in tests: 1 logs each plan,
// -1 nothing.
var logVerbosity = 0

// startController runs a manager with only the controller, as
// controllerUser, with the client configuration `bulkhead serve` makes
// (servedConfig: its rate limits), and records its requests.
func startController(ctx context.Context, t testing.TB, cfg *rest.Config, opts Options) *requests {
	t.Helper()
	if logVerbosity < 0 {
		ctrl.SetLogger(logr.Discard())
	} else {
		ctrl.SetLogger(testr.NewWithInterface(t, testr.Options{Verbosity: logVerbosity}))
	}
	seen := newRequests()
	c := servedConfig(t, cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: controllerUser}
	c.Wrap(seen.wrap)
	mgr, err := ctrl.NewManager(c, ctrl.Options{
		Scheme:                 load.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{ByObject: CacheByObject()},
	})
	if err != nil {
		t.Fatal(err)
	}
	opts.skipNameValidation = true
	if err := Setup(mgr, opts); err != nil {
		t.Fatal(err)
	}
	mctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	return seen
}

// servedConfig is the client configuration `bulkhead serve` makes for the
// API server of cfg: kube.Config reading a kubeconfig, as serve does, so
// that the controller runs at serve's rate limits whatever they are.
func servedConfig(t testing.TB, cfg *rest.Config) *rest.Config {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["test"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "test"}
	kc.CurrentContext = "test"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	c, _, err := kube.Config(path, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// plannedLive plans the baseline of the cluster read live, as harden would.
func plannedLive(ctx context.Context, t testing.TB, cfg *rest.Config) map[string]*desired {
	t.Helper()
	snap, err := kube.Load(ctx, cfg, "live", kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plan, _, err := buildPlan(snapshot.NewStore(snap).View(), Options{Harden: harden.Options{Layers: kept}})
	if err != nil {
		t.Fatal(err)
	}
	return split(plan, takenNames(snap))
}

// baselineMissing says what of the baseline the cluster lacks, or "".
func baselineMissing(ctx context.Context, c client.Client, want map[string]*desired) string {
	nss := make([]string, 0, len(want))
	for ns := range want {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		d := want[ns]
		for _, np := range d.Policies {
			var got networkingv1.NetworkPolicy
			if err := c.Get(ctx, client.ObjectKeyFromObject(np), &got); err != nil {
				return ns + "/" + np.Name + ": " + err.Error()
			}
			if !policyInSync(np, &got) {
				return ns + "/" + np.Name + " differs"
			}
		}
		var got corev1.Namespace
		if err := c.Get(ctx, client.ObjectKey{Name: ns}, &got); err != nil {
			return ns + ": " + err.Error()
		}
		if !subset(d.Labels, got.Labels) {
			return ns + ": labels " + labelKey(got.Labels)
		}
	}
	return ""
}

func waitFor(ctx context.Context, t testing.TB, within time.Duration, what string, missing func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		m := missing()
		if m == "" {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("%s not within %s: %s", what, within, m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func managedBy(fields []metav1.ManagedFieldsEntry, manager string) bool {
	return slices.ContainsFunc(fields, func(f metav1.ManagedFieldsEntry) bool { return f.Manager == manager })
}

// createDemo creates the demo's objects, as internal/app's live tests do.
func createDemo(ctx context.Context, t testing.TB, c client.Client) {
	t.Helper()
	demo, err := cli.Demo()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range demo.Objects() {
		err := c.Create(ctx, o.Obj.DeepCopyObject().(client.Object))
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create %s %s/%s: %v", o.Kind, o.Obj.GetNamespace(), o.Obj.GetName(), err)
		}
	}
}

func manifest(t testing.TB, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// applyManifest creates a manifest's objects (and its namespace).
func applyManifest(ctx context.Context, t testing.TB, c client.Client, path string) {
	t.Helper()
	for _, u := range manifest(t, path) {
		if ns := u.GetNamespace(); ns != "" {
			err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
		}
		if err := c.Create(ctx, u); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("%s: %s %s: %v", path, u.GetKind(), u.GetName(), err)
		}
	}
}
