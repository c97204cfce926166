package node

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// A pod judged alone is judged as Analyze judges it among the others:
// the same Pod Security verdict, escapes and reach (placement, tokens and
// co-location are Analyze's alone).
func TestJudgeAgreesWithAnalyze(t *testing.T) {
	seed, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/multitenant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	multi := &snapshot.Snapshot{}
	load.Bytes(multi, "testdata/multitenant.yaml", data)
	for name, snap := range map[string]*snapshot.Snapshot{"seed": seed, "multitenant": multi} {
		t.Run(name, func(t *testing.T) {
			snap.Normalize()
			ten := resolve(t, snap)
			r := Analyze(snap, ten)
			j := NewJudge(snap, ten)
			if len(r.Pods) == 0 {
				t.Fatal("no pods")
			}
			for i := range snap.Pods {
				want := r.Pods[i]
				want.TokenPowers, want.Placement = nil, Placement{}
				got := j.Pod(&snap.Pods[i])
				if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(PodFacts{}), cmpopts.EquateComparable(psaapi.Version{}), cmpopts.EquateEmpty()); d != "" {
					t.Errorf("pod %s/%s (-Analyze +Judge):\n%s", snap.Pods[i].Namespace, snap.Pods[i].Name, d)
				}
			}
		})
	}
}

// The article's busybox, asked about before it exists: in a namespace
// enforcing baseline it is refused and would own its node; the judge
// leaves the pod it was given as it was.
func TestJudgeNewPod(t *testing.T) {
	snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{
		namespace("guarded", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}),
		namespace("open", nil),
	}}
	snap.Normalize()
	j := NewJudge(snap, resolve(t, snap))
	privileged := true
	busybox := func(ns string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "busybox"}, Spec: corev1.PodSpec{
			HostNetwork: true, HostPID: true,
			Containers: []corev1.Container{{Name: "shell", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}},
			Volumes:    []corev1.Volume{{Name: "host-root-volume", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}},
		}}
	}
	for _, c := range []struct {
		ns       string
		admitted bool
	}{{"guarded", false}, {"open", true}, {"unknown", true}} {
		p := busybox(c.ns)
		before := p.DeepCopy()
		f := j.Pod(p)
		if f.Verdict.Admitted() != c.admitted || f.Reach != Node || !f.EscapesToNode() {
			t.Errorf("%s: admitted %v (want %v), reach %s: %s", c.ns, f.Verdict.Admitted(), c.admitted, f.Reach, f.Verdict.Message())
		}
		if d := cmp.Diff(before, p); d != "" {
			t.Errorf("%s: the judge changed the pod:\n%s", c.ns, d)
		}
	}
}

// BenchmarkJudgePod is what judging one pod costs admission control: the
// article's busybox in a namespace enforcing baseline.
func BenchmarkJudgePod(b *testing.B) {
	snap := &snapshot.Snapshot{Namespaces: []corev1.Namespace{namespace("guarded", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"})}}
	snap.Normalize()
	ten := resolve(b, snap)
	j := NewJudge(snap, ten)
	privileged := true
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "guarded", Name: "busybox"}, Spec: corev1.PodSpec{
		ServiceAccountName: "default", HostNetwork: true,
		Containers: []corev1.Container{{Name: "shell", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}},
	}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if f := j.Pod(p); f.Verdict.Admitted() {
			b.Fatal("admitted")
		}
	}
}
