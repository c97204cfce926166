package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestContainerPower(t *testing.T) {
	cases := []struct {
		name  string
		pod   corev1.Pod
		level authority
		who   string
	}{
		{name: "image default is root", pod: newPod("a", "p"), level: asRoot,
			who: "the image's user (root unless the image says otherwise: no runAsUser or runAsNonRoot)"},
		{name: "runAsUser 0", pod: newPod("a", "p", runAs(id(0), nil, false)), level: asRoot, who: "UID 0"},
		{name: "privileged", pod: newPod("a", "p", nodeExporter, app(privileged)), level: asRoot, who: "a privileged container"},
		{name: "node-exporter", pod: newPod("a", "p", nodeExporter), level: asUser, who: "UID 65534 in group 65534 with no capabilities"},
		{name: "no drop ALL", pod: newPod("a", "p", runAs(id(65534), id(65534), true), app(noEscalation)), level: asUser,
			who: "UID 65534 in group 65534, no privilege escalation"},
		{name: "container overrides the pod's user", pod: newPod("a", "p", nodeExporter, app(func(c *corev1.Container) { sc(c).RunAsUser = id(0) })),
			level: asRoot, who: "UID 0"},
		{name: "runAsNonRoot without a UID", pod: newPod("a", "p", runAs(nil, id(1000), true), app(noEscalation)), level: asUser,
			who: "a non-root UID (runAsNonRoot) in group 1000, no privilege escalation"},
		{name: "group 0", pod: newPod("a", "p", runAs(id(1000), id(0), true), app(noEscalation)), level: asRoot, who: "UID 1000 in group 0"},
		{name: "fsGroup 0", pod: newPod("a", "p", nodeExporter, func(p *corev1.Pod) { p.Spec.SecurityContext.FSGroup = id(0) }), level: asRoot,
			who: "UID 65534 in group 0"},
		{name: "supplemental group 0", pod: newPod("a", "p", nodeExporter, func(p *corev1.Pod) { p.Spec.SecurityContext.SupplementalGroups = []int64{5, 0} }),
			level: asRoot, who: "UID 65534 in group 0"},
		{name: "group from the image", pod: newPod("a", "p", runAs(id(65534), nil, true), app(noEscalation)), level: mayBeRoot, who: "UID 65534, no privilege escalation"},
		{name: "escalation allowed", pod: newPod("a", "p", runAs(id(65534), id(65534), true)), level: mayBeRoot, who: "UID 65534 in group 65534"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := containerPower(&tc.pod, &tc.pod.Spec.Containers[0])
			if got.level != tc.level || got.who != tc.who {
				t.Errorf("got %d %q, want %d %q", got.level, got.who, tc.level, tc.who)
			}
			if (got.level == mayBeRoot) != (got.caveat != "") {
				t.Errorf("caveat %q with level %d", got.caveat, got.level)
			}
		})
	}
}
