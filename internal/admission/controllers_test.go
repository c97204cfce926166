package admission

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
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
		// The webhook does not judge ReplicationControllers: their pods are
		// judged, or a tenant's RC would carry any template in.
		{"a ReplicationController's pod", "system:serviceaccount:kube-system:replication-controller",
			&metav1.OwnerReference{APIVersion: "v1", Kind: "ReplicationController", Name: "rc", UID: "u1", Controller: ptr.To(true)}, false},
		{"a ReplicationController's pod, kube-controller-manager's user", controllerManager,
			&metav1.OwnerReference{APIVersion: "v1", Kind: "ReplicationController", Name: "rc", UID: "u1", Controller: ptr.To(true)}, false},
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

// TestControllersMakeJudgedOwners: every owner whose objects a controller
// makes unjudged is a kind the webhook judges, so that its template was.
func TestControllersMakeJudgedOwners(t *testing.T) {
	groups := map[string]string{"ReplicaSet": "apps", "Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "Job": "batch", "CronJob": "batch"}
	for controller, kinds := range madeBy {
		for _, kind := range kinds {
			g, ok := groups[kind]
			if !ok || !Judged(schema.GroupVersionKind{Group: g, Version: "v1", Kind: kind}) {
				t.Errorf("%s makes the objects of %s, which the webhook does not judge", controller, kind)
			}
		}
	}
}

// TestClaimBinding: the PV controller binding a claim (setting its
// volumeName to the volume made or reserved for it) is never refused;
// a tenant setting it is judged.
func TestClaimBinding(t *testing.T) {
	a := fixture(t, Config{})
	old := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "a-web"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}}}
	bound := old.DeepCopy()
	bound.Spec.VolumeName = "node-root"
	for _, c := range []struct {
		user    string
		allowed bool
	}{{"system:serviceaccount:kube-system:persistent-volume-binder", true}, {controllerManager, true}, {"alice", false}} {
		req := request(Update, bound, old)
		req.User = User{Name: c.user}
		if d := a.Decide(req); d.Allowed != c.allowed {
			t.Errorf("%s binds the claim to node-root: allowed %v, want %v (%s)", c.user, d.Allowed, c.allowed, d.Message)
		}
	}
}
