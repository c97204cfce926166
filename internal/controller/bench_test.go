package controller

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// benchNamespaces is how many tenant namespaces the benchmark reconciles
// from empty: 5,000 against envtest on 2 cores takes too long for a
// benchmark run, so it reports the time per namespace, and what 5,000
// would take at the same rate.
const benchNamespaces = 500

// BenchmarkReconcileFromEmpty creates a cluster DNS and benchNamespaces
// tenant namespaces, each with a Deployment, and times the controller
// (client-go's default rate limits: 20 QPS, burst 30) from its start to
// every namespace holding its baseline. Run with -benchtime=1x.
func BenchmarkReconcileFromEmpty(b *testing.B) {
	logVerbosity = 1
	defer func() { logVerbosity = 0 }()
	cfg := testenv.Start(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	fast := rest.CopyConfig(cfg)
	fast.QPS, fast.Burst = 500, 1000
	admin, err := client.New(fast, client.Options{Scheme: load.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	applyManifest(ctx, b, admin, "../../deploy/controller-rbac.yaml")
	createDNS(ctx, b, admin)
	for i := 0; i < b.N; i++ {
		prefix := fmt.Sprintf("t%d-", i)
		for n := range benchNamespaces {
			ns := fmt.Sprintf("%s%04d", prefix, n)
			for _, obj := range []client.Object{
				&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
				deployment(ns, "web"),
			} {
				if err := admin.Create(ctx, obj); err != nil {
					b.Fatal(err)
				}
			}
		}
		applied := testutil.ToFloat64(objectsApplied.WithLabelValues("NetworkPolicy")) + testutil.ToFloat64(objectsApplied.WithLabelValues("Namespace"))
		b.StartTimer()
		start := time.Now()
		mctx, stop := context.WithCancel(ctx)
		seen := startController(mctx, b, cfg, Options{Namespace: "bulkhead-system"})
		var perNS int
		for {
			var nps networkingv1.NetworkPolicyList
			if err := admin.List(ctx, &nps, client.MatchingLabels{harden.ManagedByLabel: harden.ManagedBy}); err != nil {
				b.Fatal(err)
			}
			var nss corev1.NamespaceList
			if err := admin.List(ctx, &nss, client.HasLabels{"pod-security.kubernetes.io/enforce"}); err != nil {
				b.Fatal(err)
			}
			perNS = len(nps.Items) / benchNamespaces
			if len(nps.Items) >= 4*benchNamespaces && len(nss.Items) >= benchNamespaces {
				break
			}
			if ctx.Err() != nil {
				b.Fatalf("not converged: %d policies, %d namespaces labelled", len(nps.Items), len(nss.Items))
			}
			time.Sleep(time.Second)
		}
		took := time.Since(start)
		b.StopTimer()
		stop()
		writes := seen.writeCount()
		nowApplied := testutil.ToFloat64(objectsApplied.WithLabelValues("NetworkPolicy")) + testutil.ToFloat64(objectsApplied.WithLabelValues("Namespace"))
		b.ReportMetric(took.Seconds()/benchNamespaces*1000, "ms/namespace")
		b.ReportMetric(float64(writes)/benchNamespaces, "writes/namespace")
		b.ReportMetric(took.Seconds()/benchNamespaces*5000/60, "min/5000-namespaces")
		b.Logf("%d namespaces from empty in %s: %d writes (%.0f/s), %.0f objects applied, %d policies per namespace; at that rate 5,000 take %.1f min",
			benchNamespaces, took.Round(time.Millisecond), writes, float64(writes)/took.Seconds(), nowApplied-applied, perNS, took.Minutes()/benchNamespaces*5000)
	}
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
