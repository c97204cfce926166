package kube_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/kube"
	"github.com/bulkhead-dev/bulkhead/internal/testenv"
)

// The cluster BenchmarkLiveLoad creates: benchPods pods over
// benchNamespaces namespaces and benchNodes nodes (issue 11: a live load
// of 10,000 pods under 5 s).
const (
	benchPods       = 10000
	benchNamespaces = 100
	benchNodes      = 20
	benchWorkers    = 16
)

// BenchmarkLiveLoad starts a real API server, creates 10,000 running pods
// in it (each with its node and pod IP), with per-namespace RBAC and
// NetworkPolicies, and then times, outside that setup, kube.Load as
// `bulkhead audit --kubeconfig` calls it ("load") and the whole audit
// command against the server ("audit"). It reports pods per load and the
// process's peak RSS during the runs (the API server's is not counted).
func BenchmarkLiveLoad(b *testing.B) {
	cfg := testenv.Start(b)
	kubeconfig := testenv.Kubeconfig(b, cfg)
	start := time.Now()
	populate(b, cfg)
	b.Logf("created %d pods in %d namespaces in %s", benchPods, benchNamespaces, time.Since(start).Round(time.Millisecond))

	b.Run("load", func(b *testing.B) {
		rc, _, err := kube.Config(kubeconfig, "")
		if err != nil {
			b.Fatal(err)
		}
		pods := 0
		resetPeakRSS()
		cpu := processCPU()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			snap, err := kube.Load(context.Background(), rc, "bench", kube.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if pods = len(snap.Pods); pods < benchPods {
				b.Fatalf("loaded %d pods, want at least %d", pods, benchPods)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(pods), "pods/op")
		// The client's CPU time: on a shared machine steadier than the
		// wall clock, which the API server's work dominates.
		b.ReportMetric(float64(processCPU()-cpu)/float64(time.Millisecond)/float64(b.N), "client-CPU-ms/op")
		reportPeakRSS(b)
	})

	b.Run("audit", func(b *testing.B) {
		args := []string{"audit", "--kubeconfig", kubeconfig, "-o", "json", "--fail-on", "none"}
		var errOut strings.Builder
		resetPeakRSS()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			errOut.Reset()
			code := app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut})
			if code != 0 {
				b.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
			}
		}
		b.StopTimer()
		b.ReportMetric(benchPods, "pods/op")
		reportPeakRSS(b)
	})
}

// populate creates the benchmark's cluster through benchWorkers parallel
// clients: nodes, then per namespace a service account, a Role and its
// RoleBinding, a default-deny and an allow-same-namespace NetworkPolicy and
// a Service, then the pods, each created and then given a running status
// with its pod IP.
func populate(b *testing.B, cfg *rest.Config) {
	b.Helper()
	fast := rest.CopyConfig(cfg)
	fast.QPS = -1 // no client-side rate limit
	fast.ContentType = "application/vnd.kubernetes.protobuf"
	cs, err := kubernetes.NewForConfig(fast)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	opts := metav1.CreateOptions{}
	parallel(b, benchNodes, func(i int) error {
		_, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name:   nodeName(i),
			Labels: map[string]string{"kubernetes.io/hostname": nodeName(i), "topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i%3)},
		}}, opts)
		return err
	})
	parallel(b, benchNamespaces, func(i int) error {
		ns := namespaceName(i)
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name:   ns,
			Labels: map[string]string{"tenant": fmt.Sprintf("tenant-%d", i/4), "pod-security.kubernetes.io/enforce": "baseline"},
		}}, opts); err != nil {
			return err
		}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app"}}, opts); err != nil {
			return err
		}
		rbac := cs.RbacV1()
		if _, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"", "apps"}, Resources: []string{"pods", "deployments", "configmaps"}, Verbs: []string{"get", "list", "create", "update"}}},
		}, opts); err != nil {
			return err
		}
		if _, err := rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "app", Namespace: ns}, {Kind: "Group", APIGroup: rbacv1.GroupName, Name: "team-" + ns}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "deployer"},
		}, opts); err != nil {
			return err
		}
		if _, err := rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "viewers"},
			Subjects:   []rbacv1.Subject{{Kind: "Group", APIGroup: rbacv1.GroupName, Name: "viewers-" + ns}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		}, opts); err != nil {
			return err
		}
		netv1 := cs.NetworkingV1()
		if _, err := netv1.NetworkPolicies(ns).Create(ctx, &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "default-deny"},
			Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
		}, opts); err != nil {
			return err
		}
		if _, err := netv1.NetworkPolicies(ns).Create(ctx, &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "allow-same-namespace"},
			Spec: networkingv1.NetworkPolicySpec{
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: ptr(intstr.FromString("http"))}},
				}},
			},
		}, opts); err != nil {
			return err
		}
		_, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "web"},
				Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
			},
		}, opts)
		return err
	})
	parallel(b, benchPods, func(i int) error {
		ns := namespaceName(i % benchNamespaces)
		role := []string{"web", "api", "worker", "db"}[i/benchNamespaces%4]
		pod, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name:   fmt.Sprintf("%s-%d", role, i/benchNamespaces),
				Labels: map[string]string{"app": role, "pod-template-hash": "5d8f7c9b4"},
			},
			Spec: corev1.PodSpec{
				NodeName:           nodeName(i % benchNodes),
				ServiceAccountName: "app",
				Containers: []corev1.Container{{
					Name:  "main",
					Image: "registry.example/" + role + ":1.0",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}},
					Env:   []corev1.EnvVar{{Name: "MODE", Value: "production"}},
				}},
			},
		}, opts)
		if err != nil {
			return err
		}
		ip := fmt.Sprintf("10.%d.%d.%d", 64+i%benchNodes, i/benchNodes/250, i/benchNodes%250+2)
		pod.Status = corev1.PodStatus{
			Phase:  corev1.PodRunning,
			HostIP: fmt.Sprintf("192.168.0.%d", 10+i%benchNodes),
			PodIP:  ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		}
		_, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		return err
	})
}

func nodeName(i int) string      { return fmt.Sprintf("node-%02d", i) }
func namespaceName(i int) string { return fmt.Sprintf("team-%03d", i) }

func ptr[T any](v T) *T { return &v }

// parallel calls do for 0..n-1 on benchWorkers goroutines and fails the
// benchmark on the first error.
func parallel(b *testing.B, n int, do func(int) error) {
	b.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for w := 0; w < benchWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := do(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
}

// resetPeakRSS returns freed memory to the OS and resets the kernel's
// high-water mark of the process's resident set (Linux: clear_refs 5), so
// that reportPeakRSS reports the runs, not the setup before them.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportPeakRSS reports VmHWM, the peak resident set of the process, where
// the system tells it.
func reportPeakRSS(b *testing.B) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				b.ReportMetric(float64(kb)/1024, "peak-RSS-MiB")
			}
			return
		}
	}
}
