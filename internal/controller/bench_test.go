package controller

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// scaleEnv set to "full" runs the benchmark at 5,000 namespaces too
// (make bench-controller), as internal/scalegen does for its sizes.
const scaleEnv = "BULKHEAD_SCALE"

// BenchmarkReconcileFromEmpty starts a real API server, creates a cluster
// DNS and tenant namespaces (500; 5,000 with BULKHEAD_SCALE=full), each
// with a Deployment, and runs the controller from empty as `bulkhead
// serve` runs it: its service account, serve's client configuration and
// rate limits (servedConfig). It reports the time from the controller's
// start to every namespace holding its baseline, the controller's writes
// and API requests, how long a policy deleted while it converges takes to
// come back, and that a second controller, started on the converged
// cluster, reconciles every namespace without a write. Run with
// -benchtime=1x: each size is one run on a fresh cluster.
func BenchmarkReconcileFromEmpty(b *testing.B) {
	for _, n := range []int{500, 5000} {
		b.Run(fmt.Sprintf("namespaces=%d", n), func(b *testing.B) {
			if n > 500 && os.Getenv(scaleEnv) != "full" {
				b.Skipf("%d namespaces only with %s=full (make bench-controller)", n, scaleEnv)
			}
			for range b.N {
				b.StopTimer()
				benchFromEmpty(b, n)
			}
		})
	}
}

// benchFromEmpty is one run of BenchmarkReconcileFromEmpty on a fresh
// cluster.
func benchFromEmpty(b *testing.B, n int) {
	logVerbosity = -1
	defer func() { logVerbosity = 0 }()
	cfg := testenv.Start(b)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	fast := rest.CopyConfig(cfg)
	fast.QPS, fast.Burst = 1000, 2000
	admin, err := client.New(fast, client.Options{Scheme: load.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	applyManifest(ctx, b, admin, "../../deploy/controller-rbac.yaml")
	createDNS(ctx, b, admin)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("tenant-%04d", i)
	}
	createTenants(ctx, b, admin, names)
	served := servedConfig(b, cfg)
	b.Logf("%d tenant namespaces created; the controller's client: %.0f QPS, burst %d, per API resource (serve's kube.Config)", n, served.QPS, served.Burst)

	// From empty.
	first := newConvergence(names)
	plans := planStats{start: time.Now()}
	b.StartTimer()
	start := plans.start
	mctx, stop := context.WithCancel(ctx)
	seen := startController(mctx, b, cfg, Options{Namespace: "bulkhead-system", reconciled: first.reconciled, planned: plans.planned})
	repair := make(chan string, 1)
	go func() { repair <- repairWhileConverging(ctx, b, admin, names[0], first, n) }()
	first.wait(ctx, b)
	took := time.Since(start)
	b.StopTimer()
	repaired := <-repair
	stop()
	time.Sleep(time.Second) // the manager stops; late requests are its own
	writes := seen.writeCount()
	total, by := seen.count()
	if miss := baselineMissingAll(ctx, admin, names); miss != "" {
		b.Fatalf("converged, but %s", miss)
	}
	b.ReportMetric(took.Seconds(), "s-to-converge")
	b.ReportMetric(float64(writes)/float64(n), "writes/namespace")
	b.ReportMetric(float64(total)/float64(n), "requests/namespace")
	b.Logf("%d namespaces from empty in %s (%.1f ms a namespace): %d writes (%.2f a namespace, %.0f/s), %d API requests in all (%v); %s",
		n, took.Round(time.Millisecond), took.Seconds()*1000/float64(n), writes, float64(writes)/float64(n), float64(writes)/took.Seconds(),
		total, by, &plans)
	b.Logf("while converging: %s", repaired)

	// Converged: a second controller reconciles every namespace again.
	again := newConvergence(names)
	start = time.Now()
	plans2 := planStats{start: start}
	seen2 := startController(ctx, b, cfg, Options{Namespace: "bulkhead-system", reconciled: again.reconciled, planned: plans2.planned})
	again.wait(ctx, b)
	took2 := time.Since(start)
	time.Sleep(3 * time.Second)
	total2, by2 := seen2.count()
	if w := seen2.writesSince(0); len(w) > 0 {
		b.Errorf("a second pass on the converged cluster wrote %d times: %v", len(w), w[:min(len(w), 10)])
	}
	b.ReportMetric(float64(len(seen2.writesSince(0))), "second-pass-writes")
	b.Logf("second pass on the converged cluster: every namespace reconciled in %s, %d writes, %d API requests (%v); %s",
		took2.Round(time.Millisecond), len(seen2.writesSince(0)), total2, by2, &plans2)
}

// createTenants creates a namespace with a Deployment for each name, a few
// at a time.
func createTenants(ctx context.Context, b *testing.B, c client.Client, names []string) {
	b.Helper()
	work := make(chan string)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ns := range work {
				for _, obj := range []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, deployment(ns, "web")} {
					if err := c.Create(ctx, obj); err != nil {
						select {
						case errs <- fmt.Errorf("create %s: %w", ns, err):
						default:
						}
						return
					}
				}
			}
		}()
	}
	for _, ns := range names {
		select {
		case work <- ns:
		case err := <-errs:
			b.Fatal(err)
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

// convergence follows the reconciles of one controller until each tenant
// namespace had one that left its baseline in place.
type convergence struct {
	mu      sync.Mutex
	missing map[string]bool
	done    chan struct{}
}

func newConvergence(names []string) *convergence {
	c := &convergence{missing: map[string]bool{}, done: make(chan struct{})}
	for _, ns := range names {
		c.missing[ns] = true
	}
	return c
}

func (c *convergence) reconciled(ns string, inPlace bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !inPlace || !c.missing[ns] {
		return
	}
	delete(c.missing, ns)
	if len(c.missing) == 0 {
		close(c.done)
	}
}

func (c *convergence) left() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.missing)
}

func (c *convergence) wait(ctx context.Context, b *testing.B) {
	b.Helper()
	select {
	case <-c.done:
	case <-ctx.Done():
		b.Fatalf("not converged: %d namespaces without their baseline", c.left())
	}
}

// repairWhileConverging waits for ns's baseline policy, deletes it, and
// times its return, then does the same with its Pod Security enforce
// label, while the controller still converges the other namespaces.
func repairWhileConverging(ctx context.Context, b *testing.B, c client.Client, ns string, conv *convergence, n int) string {
	key := client.ObjectKey{Namespace: ns, Name: BaselinePolicy}
	np := &networkingv1.NetworkPolicy{}
	if !poll(ctx, 100*time.Millisecond, func() bool { return c.Get(ctx, key, np) == nil }) {
		return "no repair measured: " + key.String() + " never appeared"
	}
	left := conv.left()
	if err := c.Delete(ctx, np); err != nil {
		return "no repair measured: " + err.Error()
	}
	start := time.Now()
	back := poll(ctx, 20*time.Millisecond, func() bool {
		var got networkingv1.NetworkPolicy
		return c.Get(ctx, key, &got) == nil
	})
	policy := time.Since(start)
	if !back {
		b.Errorf("deleted %s not set back", key)
	}
	var nsObj corev1.Namespace
	if err := c.Get(ctx, client.ObjectKey{Name: ns}, &nsObj); err != nil {
		return err.Error()
	}
	if nsObj.Labels[psaapi.EnforceLevelLabel] == "" && !poll(ctx, 100*time.Millisecond, func() bool {
		return c.Get(ctx, client.ObjectKey{Name: ns}, &nsObj) == nil && nsObj.Labels[psaapi.EnforceLevelLabel] != ""
	}) {
		return "no label repair measured"
	}
	left2 := conv.left()
	unlabel := []byte(`{"metadata":{"labels":{"` + psaapi.EnforceLevelLabel + `":null}}}`)
	if err := c.Patch(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.RawPatch(types.MergePatchType, unlabel)); err != nil {
		return err.Error()
	}
	start = time.Now()
	back = poll(ctx, 20*time.Millisecond, func() bool {
		var got corev1.Namespace
		return c.Get(ctx, client.ObjectKey{Name: ns}, &got) == nil && got.Labels[psaapi.EnforceLevelLabel] != ""
	})
	label := time.Since(start)
	if !back {
		b.Errorf("removed label of %s not set back", ns)
	}
	b.ReportMetric(policy.Seconds(), "s-policy-repair")
	b.ReportMetric(label.Seconds(), "s-label-repair")
	if policy > 10*time.Second || label > 10*time.Second {
		b.Errorf("drift repaired in %s (policy) and %s (label) while converging, over 10 s", policy, label)
	}
	return fmt.Sprintf("policy %s deleted with %d of %d namespaces still to converge, back in %s; its enforce label removed with %d still to converge, back in %s",
		key, left, n, policy.Round(time.Millisecond), left2, label.Round(time.Millisecond))
}

func poll(ctx context.Context, every time.Duration, ok func() bool) bool {
	for !ok() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(every):
		}
	}
	return true
}

// planStats counts a controller's plans and the time they took.
type planStats struct {
	mu          sync.Mutex
	start       time.Time
	plans       int
	took, first time.Duration
	firstDone   time.Duration
}

func (p *planStats) planned(took time.Duration, _ int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.plans == 0 {
		p.first, p.firstDone = took, time.Since(p.start)
	}
	p.plans++
	p.took += took
}

func (p *planStats) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("%d plans, %.1f s planning; the first took %.1f s and was done %.1f s after the start",
		p.plans, p.took.Seconds(), p.first.Seconds(), p.firstDone.Seconds())
}

// baselineMissingAll says which of names lacks a policy of the controller
// or the Pod Security enforce label, from two lists.
func baselineMissingAll(ctx context.Context, c client.Client, names []string) string {
	var nps networkingv1.NetworkPolicyList
	if err := c.List(ctx, &nps, client.MatchingLabels{harden.ManagedByLabel: harden.ManagedBy}); err != nil {
		return err.Error()
	}
	var nss corev1.NamespaceList
	if err := c.List(ctx, &nss); err != nil {
		return err.Error()
	}
	policy, labelled := map[string]bool{}, map[string]bool{}
	for i := range nps.Items {
		if keptByController(&nps.Items[i]) {
			policy[nps.Items[i].Namespace] = true
		}
	}
	for i := range nss.Items {
		labelled[nss.Items[i].Name] = nss.Items[i].Labels[psaapi.EnforceLevelLabel] != ""
	}
	for _, ns := range names {
		if !policy[ns] || !labelled[ns] {
			return fmt.Sprintf("namespace %s has no policy of the controller (%v) or no enforce label (%v)", ns, policy[ns], labelled[ns])
		}
	}
	return ""
}

// createDNS creates a cluster DNS like kubeadm's, so that the baseline
// isolates egress too.
func createDNS(ctx context.Context, t testing.TB, c client.Client) {
	t.Helper()
	dns := deployment("kube-system", "coredns")
	dns.Spec.Template.Labels = map[string]string{"k8s-app": "kube-dns"}
	dns.Spec.Selector.MatchLabels = dns.Spec.Template.Labels
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-dns"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"k8s-app": "kube-dns"}, Ports: []corev1.ServicePort{
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
			{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)}}}}
	for _, obj := range []client.Object{dns, svc} {
		if err := c.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
}

func deployment(ns, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "registry.k8s.io/pause:3.10",
					Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}},
			},
		},
	}
}
