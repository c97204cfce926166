package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bulkhead-dev/bulkhead/internal/harden"
)

func TestPolicyInSync(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := intstr.FromInt32(53)
	want := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-allow-dns", Namespace: "a",
			Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy}, Annotations: map[string]string{harden.ReasonAnnotation: "dns"}},
		Spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{},
			Egress:  []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: &port}, {Protocol: &udp, Port: &port}}}},
		},
	}
	stored := func(edit func(*networkingv1.NetworkPolicy)) *networkingv1.NetworkPolicy {
		np := want.DeepCopy()
		np.Labels["team"] = "x"
		np.Annotations[KeptByAnnotation] = FieldOwner
		np.Spec.Ingress = nil
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
		np.Spec.Egress[0].Ports[0].Protocol = &tcp
		if edit != nil {
			edit(np)
		}
		return np
	}
	for _, tc := range []struct {
		name string
		got  *networkingv1.NetworkPolicy
		want bool
	}{
		{"as the server stores it", stored(nil), true},
		{"a port changed", stored(func(np *networkingv1.NetworkPolicy) { p := intstr.FromInt32(54); np.Spec.Egress[0].Ports[1].Port = &p }), false},
		{"an egress rule added", stored(func(np *networkingv1.NetworkPolicy) {
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{})
		}), false},
		{"our label removed", stored(func(np *networkingv1.NetworkPolicy) { delete(np.Labels, harden.ManagedByLabel) }), false},
		{"the reason edited", stored(func(np *networkingv1.NetworkPolicy) { np.Annotations[harden.ReasonAnnotation] = "mine" }), false},
		{"not marked as the controller's", stored(func(np *networkingv1.NetworkPolicy) { delete(np.Annotations, KeptByAnnotation) }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := policyInSync(want, tc.got); got != tc.want {
				t.Errorf("policyInSync = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLowers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got map[string]string
		lowers    bool
	}{
		{"no label yet", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}, nil, false},
		{"raises", map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}, map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}, false},
		{"raised since the plan", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}, true},
		{"warn raised since", map[string]string{"pod-security.kubernetes.io/warn": "baseline"}, map[string]string{"pod-security.kubernetes.io/warn": "restricted"}, true},
		{"an invalid label is rewritten", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}, map[string]string{"pod-security.kubernetes.io/enforce": "strict"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lowers(tc.want, tc.got); got != tc.lowers {
				t.Errorf("lowers = %v, want %v", got, tc.lowers)
			}
		})
	}
}

func TestRelevantChange(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "a", ResourceVersion: "1", Labels: map[string]string{"app": "web"}}}
	ownPolicy := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "bulkhead-default-deny", Namespace: "a", Labels: map[string]string{harden.ManagedByLabel: harden.ManagedBy}}}
	userPolicy := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "mine", Namespace: "a"}}
	for _, tc := range []struct {
		name     string
		old, obj runtime.Object
		want     bool
	}{
		{"a pod's heartbeat", pod, edit(pod, func(p *corev1.Pod) {
			p.ResourceVersion = "2"
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		}), false},
		{"a pod relabelled", pod, edit(pod, func(p *corev1.Pod) { p.Labels["app"] = "db" }), true},
		{"a pod's address", pod, edit(pod, func(p *corev1.Pod) { p.Status.PodIP = "10.0.0.9" }), true},
		{"a controller's counters", &appsv1.Deployment{}, &appsv1.Deployment{Status: appsv1.DeploymentStatus{ReadyReplicas: 3}}, false},
		{"harden's own policy", ownPolicy, edit(ownPolicy, func(np *networkingv1.NetworkPolicy) { np.Spec.PolicyTypes = []networkingv1.PolicyType{"Egress"} }), false},
		{"harden's policy taken over by a user", ownPolicy, edit(ownPolicy, func(np *networkingv1.NetworkPolicy) { np.Labels = nil }), true},
		{"the controller's status on a namespace", &corev1.Namespace{}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{StatusAnnotation: "synced"}}}, false},
		{"a namespace relabelled", &corev1.Namespace{}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"tenant": "b"}}}, true},
		{"a user's policy", userPolicy, edit(userPolicy, func(np *networkingv1.NetworkPolicy) { np.Spec.PolicyTypes = []networkingv1.PolicyType{"Egress"} }), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := relevantChange(tc.old, tc.obj); got != tc.want {
				t.Errorf("relevantChange = %v, want %v", got, tc.want)
			}
		})
	}
}

func edit[T runtime.Object](obj T, f func(T)) T {
	c := obj.DeepCopyObject().(T)
	f(c)
	return c
}

func TestSplitAndChanged(t *testing.T) {
	np := func(ns, name string) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a",
		Labels:      map[string]string{"pod-security.kubernetes.io/enforce": "baseline", harden.ManagedByLabel: harden.ManagedBy},
		Annotations: map[string]string{harden.ReasonAnnotation: "why"}}}
	plan := harden.Plan{Objects: []harden.Object{
		{Obj: np("a", "z")}, {Obj: np("a", "b")}, {Obj: np("b", "x")},
		{Obj: nsObj, Why: "Pod Security: enforce baseline"},
		{Obj: &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: "c", Name: "q"}}},
	}}
	got := split(plan, nil)
	names := func(d *desired) []string {
		var out []string
		for _, p := range d.Policies {
			out = append(out, p.Name)
		}
		return out
	}
	// Both select every pod of a: they are kept folded into one.
	if d := cmp.Diff([]string{BaselinePolicy}, names(got["a"])); d != "" {
		t.Errorf("policies of a (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"b", "z"}, got["a"].Folds); d != "" {
		t.Errorf("policies folded in a (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}, got["a"].Labels); d != "" {
		t.Errorf("labels of a: only the Pod Security ones (-want +got):\n%s", d)
	}
	if _, ok := got["c"]; ok {
		t.Error("a ResourceQuota, which the controller does not keep, gave namespace c a baseline")
	}
	again := split(plan, nil)
	if c := changed(got, again); len(c) != 0 {
		t.Errorf("the same plan changed %v", c)
	}
	plan.Objects = plan.Objects[1:] // a's policy z gone
	if d := cmp.Diff([]string{"a"}, changed(got, split(plan, nil))); d != "" {
		t.Errorf("changed (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a", "b"}, changed(got, map[string]*desired{})); d != "" {
		t.Errorf("changed when every baseline is gone (-want +got):\n%s", d)
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		wantErr bool
	}{
		{"defaults", Options{}, false},
		{"network only", Options{Harden: harden.Options{Layers: []harden.Layer{harden.Network}}}, false},
		{"admin network", Options{Harden: harden.Options{AdminNetwork: true}}, true},
		{"rbac", Options{Harden: harden.Options{Layers: []harden.Layer{harden.RBAC}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := tc.opts.withDefaults()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && (o.Debounce != DefaultDebounce || len(o.Harden.Layers) == 0) {
				t.Errorf("defaults not filled in: %+v", o)
			}
		})
	}
}
