package podgen

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// VariantsAnnotation lists the variants a generated pod was built from.
const VariantsAnnotation = "podgen.bulkhead.dev/variants"

// RewrittenAnnotation marks a pod built from a ServerRewrites variant.
const RewrittenAnnotation = "podgen.bulkhead.dev/server-rewrites"

// Restricted returns a pod that meets Pod Security restricted.
func Restricted(name string) corev1.Pod {
	return corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr(true),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name:  "app",
				Image: "registry.k8s.io/pause:3.10",
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: ptr(false),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
			}},
		},
	}
}

// Bare returns a pod with no security settings: baseline, not restricted.
func Bare(name string) corev1.Pod {
	return corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}}},
	}
}

// Pods returns at least n pods: every variant alone on the restricted base
// and on the bare base, then seeded random combinations of up to four
// variants. The same seed gives the same pods. Names are "p000", "p001"...
func Pods(seed int64, n int) []corev1.Pod {
	vs := Variants()
	var out []corev1.Pod
	build := func(bare bool, chosen []Variant) {
		name := fmt.Sprintf("p%03d", len(out))
		p := Restricted(name)
		if bare {
			p = Bare(name)
		}
		var names []string
		for _, v := range chosen {
			v.Apply(&p)
			names = append(names, v.Name)
			if v.ServerRewrites {
				setAnnotation(&p, RewrittenAnnotation, "true")
			}
		}
		makeValid(&p)
		base := "restricted"
		if bare {
			base = "bare"
		}
		setAnnotation(&p, VariantsAnnotation, base+":"+strings.Join(names, ","))
		out = append(out, p)
	}
	for _, v := range vs {
		build(false, []Variant{v})
		if !v.Exclusive {
			build(true, []Variant{v})
		}
	}
	var combinable []Variant
	for _, v := range vs {
		if !v.Exclusive {
			combinable = append(combinable, v)
		}
	}
	rng := rand.New(rand.NewSource(seed))
	for len(out) < n {
		k := 1 + rng.Intn(4)
		idx := rng.Perm(len(combinable))[:k]
		sort.Ints(idx)
		chosen := make([]Variant, k)
		for i, j := range idx {
			chosen[i] = combinable[j]
		}
		build(rng.Intn(2) == 0, chosen)
	}
	return out
}

// makeValid removes combinations that API validation refuses, so that the
// API server's only reason to refuse a generated pod is Pod Security.
func makeValid(p *corev1.Pod) {
	for i := range p.Spec.InitContainers {
		validContainer(&p.Spec.InitContainers[i])
	}
	for i := range p.Spec.Containers {
		validContainer(&p.Spec.Containers[i])
	}
	if sc := p.Spec.SecurityContext; sc != nil && len(sc.Sysctls) > 0 {
		// Network sysctls are refused with hostNetwork, IPC ones with
		// hostIPC.
		var keep []corev1.Sysctl
		for _, s := range sc.Sysctls {
			if p.Spec.HostNetwork && strings.HasPrefix(s.Name, "net.") {
				continue
			}
			if p.Spec.HostIPC && (strings.HasPrefix(s.Name, "kernel.shm") || strings.HasPrefix(s.Name, "kernel.msg") || strings.HasPrefix(s.Name, "kernel.sem")) {
				continue
			}
			keep = append(keep, s)
		}
		sc.Sysctls = keep
	}
	if sc := p.Spec.SecurityContext; sc != nil && sc.WindowsOptions != nil && sc.WindowsOptions.HostProcess != nil && *sc.WindowsOptions.HostProcess {
		// HostProcess pods need hostNetwork, and every container must be
		// HostProcess too.
		p.Spec.HostNetwork = true
		for i := range p.Spec.Containers {
			if c := p.Spec.Containers[i].SecurityContext; c != nil && c.WindowsOptions != nil {
				c.WindowsOptions.HostProcess = nil
			}
		}
	}
	if p.Spec.HostNetwork {
		// With hostNetwork, host ports must equal container ports.
		for i := range p.Spec.Containers {
			for j := range p.Spec.Containers[i].Ports {
				if hp := p.Spec.Containers[i].Ports[j].HostPort; hp != 0 {
					p.Spec.Containers[i].Ports[j].HostPort = p.Spec.Containers[i].Ports[j].ContainerPort
				}
			}
		}
	}
	// Seccomp annotations must agree with the fields: the field follows.
	if v, ok := p.Annotations[seccompPodAnnotation]; ok && p.Spec.SecurityContext != nil && p.Spec.SecurityContext.SeccompProfile != nil {
		p.Spec.SecurityContext.SeccompProfile = seccompFor(v)
	}
	if v, ok := p.Annotations[seccompContainerAnnotation]; ok && p.Spec.Containers[0].SecurityContext != nil && p.Spec.Containers[0].SecurityContext.SeccompProfile != nil {
		p.Spec.Containers[0].SecurityContext.SeccompProfile = seccompFor(v)
	}
	// The AppArmor annotation must agree with the field of its container.
	if v, ok := p.Annotations[appArmorAnnotation]; ok {
		if c := p.Spec.Containers[0].SecurityContext; c != nil && c.AppArmorProfile != nil && annotationFor(c.AppArmorProfile) != v {
			delete(p.Annotations, appArmorAnnotation)
		}
	}
}

const (
	seccompPodAnnotation       = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotation = "container.seccomp.security.alpha.kubernetes.io/app"
)

func seccompFor(annotation string) *corev1.SeccompProfile {
	switch {
	case annotation == "unconfined":
		return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
	case strings.HasPrefix(annotation, "localhost/"):
		return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr(strings.TrimPrefix(annotation, "localhost/"))}
	}
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
}

func annotationFor(a *corev1.AppArmorProfile) string {
	switch a.Type {
	case corev1.AppArmorProfileTypeUnconfined:
		return "unconfined"
	case corev1.AppArmorProfileTypeRuntimeDefault:
		return "runtime/default"
	case corev1.AppArmorProfileTypeLocalhost:
		if a.LocalhostProfile != nil {
			return "localhost/" + *a.LocalhostProfile
		}
	}
	return ""
}

// validContainer keeps allowPrivilegeEscalation=false away from privileged
// containers and CAP_SYS_ADMIN, which validation refuses.
func validContainer(c *corev1.Container) {
	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		return
	}
	conflict := sc.Privileged != nil && *sc.Privileged
	if sc.Capabilities != nil {
		for _, a := range sc.Capabilities.Add {
			if strings.TrimPrefix(strings.ToUpper(string(a)), "CAP_") == "SYS_ADMIN" {
				conflict = true
			}
		}
	}
	if conflict {
		sc.AllowPrivilegeEscalation = nil
	}
}
