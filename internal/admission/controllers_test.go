package admission

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestControllerMade: what kube-controller-manager's controllers create
// from an owner's template (a ReplicaSet's pods) was judged with the
// owner, so a workload admitted before the webhook can still be scaled;
// the same object from anyone else, without its owner, or from a
// controller that does not make that owner's objects, is judged.
func TestControllerMade(t *testing.T) {
	a := fixture(t, Config{})
	owned := func(kind string) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: "web-7d9f8c6b5", UID: "u1", Controller: ptr.To(true)}
	}
	for _, c := range []struct {
		name    string
		user    string
		owner   *metav1.OwnerReference
		allowed bool
	}{
		{"the ReplicaSet controller, for its ReplicaSet", "system:serviceaccount:kube-system:replicaset-controller", ptr.To(owned("ReplicaSet")), true},
		{"kube-controller-manager's own user", controllerManager, ptr.To(owned("ReplicaSet")), true},
		{"a tenant's user naming the same owner", "alice", ptr.To(owned("ReplicaSet")), false},
		{"the ReplicaSet controller, no owner", "system:serviceaccount:kube-system:replicaset-controller", nil, false},
		{"another controller's owner", "system:serviceaccount:kube-system:deployment-controller", ptr.To(owned("ReplicaSet")), false},
		{"an account of that name elsewhere", "system:serviceaccount:a-web:replicaset-controller", ptr.To(owned("ReplicaSet")), false},
		{"an owner that is no controller of the pod", "system:serviceaccount:kube-system:replicaset-controller", &metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "x", UID: "u"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := busybox(t, "a-web")
			if c.owner != nil {
				p.OwnerReferences = []metav1.OwnerReference{*c.owner}
			}
			req := request(Create, p, nil)
			req.User = User{Name: c.user, Groups: []string{"system:serviceaccounts", "system:authenticated"}}
			if d := a.Decide(req); d.Allowed != c.allowed {
				t.Errorf("allowed %v, want %v: %s", d.Allowed, c.allowed, d.Message)
			}
		})
	}
}

// TestAPIServerExempt: the API server's reconciliation of its bootstrap
// roles is never refused, whatever a legacy binding of them reaches;
// another user's same change is judged.
func TestAPIServerExempt(t *testing.T) {
	a := fixture(t, Config{})
	p := busybox(t, "a-web")
	for _, c := range []struct {
		user    string
		allowed bool
	}{{apiServerUser, true}, {"system:apiserver-impostor", false}, {"alice", false}} {
		req := request(Create, p, nil)
		req.User = User{Name: c.user, Groups: []string{"system:masters"}}
		if d := a.Decide(req); d.Allowed != c.allowed {
			t.Errorf("%s: allowed %v, want %v", c.user, d.Allowed, c.allowed)
		}
	}
}
