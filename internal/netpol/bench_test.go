package netpol

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/netpol/netgen"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// BenchmarkCompileLarge: 100,000 pods, 5,000 namespaces, 20,000
// NetworkPolicies, 50 AdminNetworkPolicies: the full reachability matrix.
func BenchmarkCompileLarge(b *testing.B) {
	snap := netgen.Generate(netgen.Large)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := Compile(snap, DefaultOptions())
		b.ReportMetric(float64(len(m.Classes())), "classes")
		b.ReportMetric(float64(len(m.distinctMatrices())), "matrices")
	}
}

// BenchmarkCompileSmall: 10 namespaces x 80 workloads.
func BenchmarkCompileSmall(b *testing.B) {
	snap := netgen.Generate(netgen.Small)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compile(snap, DefaultOptions())
	}
}

// BenchmarkReachQuery: one explained reach query on the large model.
func BenchmarkReachQuery(b *testing.B) {
	m := Compile(netgen.Generate(netgen.Large), DefaultOptions())
	src := Endpoint{Namespace: "tenant-00003", Pod: "worker-0"}
	dst := Endpoint{Namespace: "tenant-00004", Pod: "web-2"}
	if _, err := m.Reach(src, dst, 8080, corev1.ProtocolTCP); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := m.Reach(src, dst, 8080, corev1.ProtocolTCP)
		if err != nil || !v.Allowed {
			b.Fatalf("%v %+v", err, v)
		}
	}
}

// BenchmarkAnalyzeLarge: the large cluster's full reachability plus every
// network finding (cross-tenant pairs with witnesses), tenants grouped by
// the "tenant" namespace label.
func BenchmarkAnalyzeLarge(b *testing.B) {
	snap := netgen.Generate(netgen.Large)
	ten, err := tenancy.Resolve(snap, tenancy.Config{Label: netgen.TenantLabel, SystemNamespaces: netgen.SystemNamespaces})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs := Analyze(snap, ten, DefaultOptions())
		b.ReportMetric(float64(len(fs)), "findings")
	}
}

// BenchmarkAnalyzeSmall: 10 namespaces x 80 workloads, compile and findings.
func BenchmarkAnalyzeSmall(b *testing.B) {
	snap := netgen.Generate(netgen.Small)
	ten, err := tenancy.Resolve(snap, tenancy.Config{Label: netgen.TenantLabel, SystemNamespaces: netgen.SystemNamespaces})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Analyze(snap, ten, DefaultOptions())
	}
}

// BenchmarkAnalyzeOpen: the large cluster without any policy, the worst
// case for cross-tenant findings (every tenant reaches every tenant).
func BenchmarkAnalyzeOpen(b *testing.B) {
	cfg := netgen.Large
	cfg.PoliciesPerNamespace, cfg.AdminPolicies = 0, 0
	snap := netgen.Generate(cfg)
	ten, err := tenancy.Resolve(snap, tenancy.Config{Label: netgen.TenantLabel, SystemNamespaces: netgen.SystemNamespaces})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs := Analyze(snap, ten, DefaultOptions())
		b.ReportMetric(float64(len(fs)), "findings")
	}
}

// BenchmarkNamespaceMatrixLarge: the namespace x namespace matrix of the
// large cluster (reach --matrix), model already compiled.
func BenchmarkNamespaceMatrixLarge(b *testing.B) {
	m := Compile(netgen.Generate(netgen.Large), DefaultOptions())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mx := m.NamespaceMatrix()
		b.ReportMetric(float64(len(mx.Allowed)), "pairs")
	}
}
