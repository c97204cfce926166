package node

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// newPod returns a plain pod of one container, "app", in namespace ns,
// changed by the tweaks.
func newPod(ns, name string, tweaks ...func(*corev1.Pod)) corev1.Pod {
	p := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app"}}},
	}
	for _, t := range tweaks {
		t(&p)
	}
	return p
}

// app changes the pod's first container.
func app(f func(*corev1.Container)) func(*corev1.Pod) {
	return func(p *corev1.Pod) { f(&p.Spec.Containers[0]) }
}

func sc(c *corev1.Container) *corev1.SecurityContext {
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	return c.SecurityContext
}

func privileged(c *corev1.Container) { t := true; sc(c).Privileged = &t }

func addCaps(caps ...corev1.Capability) func(*corev1.Container) {
	return func(c *corev1.Container) {
		s := sc(c)
		if s.Capabilities == nil {
			s.Capabilities = &corev1.Capabilities{}
		}
		s.Capabilities.Add = append(s.Capabilities.Add, caps...)
	}
}

func dropCaps(caps ...corev1.Capability) func(*corev1.Container) {
	return func(c *corev1.Container) {
		s := sc(c)
		if s.Capabilities == nil {
			s.Capabilities = &corev1.Capabilities{}
		}
		s.Capabilities.Drop = append(s.Capabilities.Drop, caps...)
	}
}

func hostPathVolume(name, path string, readOnly bool) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}})
		p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: name, MountPath: "/mnt/" + name, ReadOnly: readOnly})
	}
}

func status(phase corev1.PodPhase) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Status.Phase = phase }
}

// found is what tests compare: the check's escapes without their prose.
type found struct {
	Reach Reach
	Field string
}

func summarize(es []Escape) []found {
	var out []found
	for _, e := range es {
		out = append(out, found{e.Reach, e.Field})
	}
	return out
}

type checkCase struct {
	name string
	pod  corev1.Pod
	want []found
}

// runCheck runs one check over table cases.
func runCheck(t *testing.T, c check, cases []checkCase, view podView) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := view
			v.pod = &tc.pod
			if diff := cmp.Diff(tc.want, summarize(c.evaluate(&v))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		})
	}
}

func resolve(t testing.TB, snap *snapshot.Snapshot) *tenancy.Tenancy {
	t.Helper()
	ten, err := tenancy.Resolve(snap, tenancy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// runAs sets the pod's user, group and runAsNonRoot (nil: unset).
func runAs(uid, gid *int64, nonRoot bool) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		if p.Spec.SecurityContext == nil {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		p.Spec.SecurityContext.RunAsUser, p.Spec.SecurityContext.RunAsGroup = uid, gid
		if nonRoot {
			p.Spec.SecurityContext.RunAsNonRoot = &nonRoot
		}
	}
}

func id(n int64) *int64 { return &n }

// noEscalation sets allowPrivilegeEscalation: false.
func noEscalation(c *corev1.Container) { f := false; sc(c).AllowPrivilegeEscalation = &f }

// nodeExporter is kube-prometheus' node-exporter security context: UID and
// group 65534, runAsNonRoot, no privilege escalation, drop ALL.
func nodeExporter(p *corev1.Pod) {
	runAs(id(65534), id(65534), true)(p)
	app(noEscalation)(p)
	app(dropCaps("ALL"))(p)
}
