package analysis

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// A ReplicaSet whose pod runs stands for nothing an engine reads
// (Facts.seen), but it says whose the pod is: deleted, the pod is the
// ReplicaSet's own, not its Deployment's, and so are the fingerprints of
// the findings that name it. The report after the change is not the one
// before, whatever facts Update keeps.
func TestUpdateOwnersMove(t *testing.T) {
	const cluster = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-x1, namespace: a, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u, controller: true}]}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-x1-abcde, namespace: a, labels: {app: web}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-x1, uid: v, controller: true}]}
spec:
  nodeName: n1
  containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
status: {phase: Running}
---
apiVersion: v1
kind: Service
metadata: {name: np, namespace: a}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, nodePort: 30080}]}
`
	snap, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	load.Bytes(snap, "cluster.yaml", []byte(cluster))
	st := snapshot.NewStore(snap)
	prev, _ := analyse(t, st.View(), tenancy.Config{}, nil, nil)
	before := report(t, prev)
	key := snapshot.Key{Resource: schema.GroupResource{Group: "apps", Resource: "replicasets"}, Namespace: "a", Name: "web-x1"}
	if !st.Delete(key) {
		t.Fatal("no ReplicaSet to delete")
	}
	inc, stale := analyse(t, st.View(), tenancy.Config{}, prev, []snapshot.Key{key})
	full, _ := analyse(t, st.ViewFromScratch(), tenancy.Config{}, nil, nil)
	if len(stale) > 0 {
		t.Errorf("engines %v stale: the case does not test a change no engine sees", stale)
	}
	if report(t, full) == before {
		t.Fatal("the report did not move: the case tests nothing")
	}
	if d := cmp.Diff(report(t, full), report(t, inc)); d != "" {
		t.Errorf("incremental report differs from a full analysis (-full +incremental):\n%s", d)
	}
}

// A store made of a snapshot whose refusals were judged (as `bulkhead
// harden` makes its store) gives each view that snapshot's list, which
// DropRefused keeps: it is not what a view's evaluation refused, and
// Facts.DropRefused must not read it as that.
func TestDropRefusedSinceKeptList(t *testing.T) {
	const cluster = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: b}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, securityContext: {privileged: true}}]}
`
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "cluster.yaml", []byte(cluster))
	snap.Normalize()
	node.DropRefused(snap) // refuses nothing: the list is empty, not nil
	st := snapshot.NewStore(snap)
	v0 := st.View()
	node.DropRefused(v0)
	f0 := NewFacts(v0, nil)
	// b enforces restricted: the Deployment's representative is refused,
	// though the view's list stays the store's.
	k1, _, err := st.ServerSideApply(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "b",
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}})
	if err != nil {
		t.Fatal(err)
	}
	v1 := st.View()
	f0.DropRefused(v1, []snapshot.Key{k1})
	f1 := NewFacts(v1, nil)
	// A pod in a, which leaves b clean.
	k2, err := st.Apply(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}})
	if err != nil {
		t.Fatal(err)
	}
	inc := st.View()
	f1.DropRefused(inc, []snapshot.Key{k2})
	full := st.ViewFromScratch()
	node.DropRefused(full)
	names := func(s *snapshot.Snapshot) []string {
		var out []string
		for _, p := range s.Pods {
			out = append(out, p.Namespace+"/"+p.Name)
		}
		return out
	}
	if len(names(full)) != 1 {
		t.Fatalf("pods %v: want a/p alone, the case tests nothing", names(full))
	}
	if d := cmp.Diff(names(full), names(inc)); d != "" {
		t.Errorf("pods left by Facts.DropRefused differ from DropRefused's (-full +incremental):\n%s", d)
	}
}

// statefulSetCluster is a StatefulSet whose running pod mounts the claim
// its template makes (the snapshot holds no PersistentVolumeClaim), bound
// to a hostPath volume of the node's root: the node engine reads the
// template for the pod.
const statefulSetCluster = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: hostpv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: a}
spec:
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, volumeMounts: [{name: data, mountPath: /data}]}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], volumeName: hostpv, resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: a, labels: {app: web}, ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: web, uid: u, controller: true}]}
spec:
  nodeName: n1
  containers: [{name: c, image: nginx, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data-web-0}}]
status: {phase: Running}
`

// A StatefulSet whose pod runs is seen all the same: its claim template
// is what the pod mounts. Unbound from the hostPath volume, the pod no
// longer reaches into its node, whether the change comes alone (seen
// would drop it: the StatefulSet has no representative) or beside one
// that makes the node engine judge again (Rejudge would judge only the
// pods changed and the representatives).
func TestUpdateClaimTemplate(t *testing.T) {
	for _, beside := range []bool{false, true} {
		snap := &snapshot.Snapshot{}
		load.Bytes(snap, "cluster.yaml", []byte(statefulSetCluster))
		st := snapshot.NewStore(snap)
		prev, _ := analyse(t, st.View(), tenancy.Config{}, nil, nil)
		before := report(t, prev)
		key := snapshot.Key{Resource: schema.GroupResource{Group: "apps", Resource: "statefulsets"}, Namespace: "a", Name: "web"}
		obj, _ := st.Get(key)
		sts := obj.(*appsv1.StatefulSet).DeepCopy()
		sts.Spec.VolumeClaimTemplates[0].Spec.VolumeName = ""
		if _, err := st.Apply(sts); err != nil {
			t.Fatal(err)
		}
		changed := []snapshot.Key{key}
		if beside { // a Deployment with no pod: its representative makes the node engine stale
			dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "other"},
				Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "other"}},
						Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}}}
			k, err := st.Apply(dep)
			if err != nil {
				t.Fatal(err)
			}
			changed = append(changed, k)
		}
		inc, _ := analyse(t, st.View(), tenancy.Config{}, prev, changed)
		full, _ := analyse(t, st.ViewFromScratch(), tenancy.Config{}, nil, nil)
		want := report(t, full)
		if want == before {
			t.Fatal("the report did not move: the case tests nothing")
		}
		if d := cmp.Diff(want, report(t, inc)); d != "" {
			t.Errorf("beside a Deployment %v: incremental report differs from a full analysis (-full +incremental):\n%s", beside, d)
		}
	}
}
