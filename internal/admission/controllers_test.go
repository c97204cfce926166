package admission

import (
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/bulkhead-dev/bulkhead/internal/bootstrap"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
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

// TestClaimBinding: a claim is judged by the volume it names or the PV
// controller may bind it to, whoever writes it: the binder's binding of a
// claim to the node's root is refused as a tenant's would be, its binding
// to the volume a provisioner made for the claim is not; an unbound claim
// of a class whose available volumes include a hostPath of the node's root,
// or one such volume reserves (claimRef), is refused before the binder
// binds it.
func TestClaimBinding(t *testing.T) {
	snap, err := load.Paths([]string{filepath.Join("testdata", "cluster.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if err := bootstrap.Assume(snap, ""); err != nil {
		t.Fatal(err)
	}
	hostPV := func(name, class, path string, claim *corev1.ObjectReference, ann map[string]string) corev1.PersistentVolume {
		return corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: ann},
			Spec: corev1.PersistentVolumeSpec{StorageClassName: class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}, ClaimRef: claim}}
	}
	snap.PersistentVolumes = append(snap.PersistentVolumes,
		hostPV("pvc-1234", "standard", "/var/local-path-provisioner/pvc-1234_a-web_data", &corev1.ObjectReference{Namespace: "a-web", Name: "data"},
			map[string]string{"pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}),
		hostPV("manual-root", "manual", "/", nil, nil),
		hostPV("reserved-root", "", "/", &corev1.ObjectReference{Namespace: "a-web", Name: "grab"}, nil),
		hostPV("classless-root", "", "/", nil, nil),
		hostPV("beta-root", "", "/", nil, map[string]string{"volume.beta.kubernetes.io/storage-class": "beta"}))
	// A volume kept for a deleted claim: bound to no new one of its name.
	released := hostPV("released-root", "", "/", &corev1.ObjectReference{Namespace: "a-web", Name: "logs", UID: "old"}, nil)
	released.Status.Phase = corev1.VolumeReleased
	snap.PersistentVolumes = append(snap.PersistentVolumes, released)
	a, err := New(snapshot.NewStore(snap).View(), tenancy.Config{Label: tenantLabel, PlatformNamespaces: []string{"ingress-nginx"}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	claim := func(name, class, volume string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "a-web"},
			Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To(class), VolumeName: volume, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}
	}
	binder := User{Name: "system:serviceaccount:kube-system:persistent-volume-binder"}
	for _, c := range []struct {
		name     string
		op       Operation
		obj, old *corev1.PersistentVolumeClaim
		user     User
		allowed  bool
	}{
		{"the binder, to the provisioner's volume", Update, claim("data", "standard", "pvc-1234"), claim("data", "standard", ""), binder, true},
		{"the binder, to the node's root", Update, claim("data", "standard", "node-root"), claim("data", "standard", ""), binder, false},
		{"a claim of the class a hostPath volume of the node's root is available in", Create, claim("c", "manual", ""), nil, User{Name: "alice"}, false},
		{"a claim a hostPath volume of the node's root is reserved for", Create, claim("grab", "other", ""), nil, User{Name: "alice"}, false},
		{"a claim of a class with no such volume", Create, claim("d", "standard", ""), nil, User{Name: "alice"}, true},
		{"a claim named like a Released volume's old claim", Create, claim("logs", "other", ""), nil, User{Name: "alice"}, true},
		{"a claim of the beta class annotation", Create, func() *corev1.PersistentVolumeClaim {
			c := claim("f", "", "")
			c.Spec.StorageClassName = nil
			c.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-class": "beta"}
			return c
		}(), nil, User{Name: "alice"}, false},
		{"a claim of no class, a volume of none at the node's root available", Create, func() *corev1.PersistentVolumeClaim {
			c := claim("e", "", "")
			c.Spec.StorageClassName = nil
			return c
		}(), nil, User{Name: "alice"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var old runtime.Object
			if c.old != nil {
				old = c.old
			}
			req := request(c.op, c.obj, old)
			req.User = c.user
			if d := a.Decide(req); d.Allowed != c.allowed {
				t.Errorf("allowed %v, want %v (%s)", d.Allowed, c.allowed, d.Message)
			}
		})
	}
}
