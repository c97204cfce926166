package harden

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// workloadIndex finds workload controllers by kind, namespace and name.
type workloadIndex struct {
	objs map[string]runtime.Object // "Kind/ns/name" -> the snapshot's object
}

func newWorkloadIndex(snap *snapshot.Snapshot) *workloadIndex {
	x := &workloadIndex{objs: map[string]runtime.Object{}}
	add := func(kind string, obj runtime.Object, m *metav1.ObjectMeta) {
		x.objs[kind+"/"+m.Namespace+"/"+m.Name] = obj
	}
	for i := range snap.Deployments {
		add("Deployment", &snap.Deployments[i], &snap.Deployments[i].ObjectMeta)
	}
	for i := range snap.StatefulSets {
		add("StatefulSet", &snap.StatefulSets[i], &snap.StatefulSets[i].ObjectMeta)
	}
	for i := range snap.DaemonSets {
		add("DaemonSet", &snap.DaemonSets[i], &snap.DaemonSets[i].ObjectMeta)
	}
	for i := range snap.ReplicaSets {
		add("ReplicaSet", &snap.ReplicaSets[i], &snap.ReplicaSets[i].ObjectMeta)
	}
	for i := range snap.ReplicationControllers {
		add("ReplicationController", &snap.ReplicationControllers[i], &snap.ReplicationControllers[i].ObjectMeta)
	}
	for i := range snap.Jobs {
		add("Job", &snap.Jobs[i], &snap.Jobs[i].ObjectMeta)
	}
	for i := range snap.CronJobs {
		add("CronJob", &snap.CronJobs[i], &snap.CronJobs[i].ObjectMeta)
	}
	return x
}

// workloadAPIVersion is the apiVersion of each workload kind.
var workloadAPIVersion = map[string]string{
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
	"ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1",
}

// parentKinds says which controller may own a workload of a kind: a
// ReplicaSet's Deployment, a Job's CronJob.
var parentKinds = map[string]string{"ReplicaSet": "Deployment", "Job": "CronJob"}

// workloadOf returns, as a user would apply it, the object that makes the
// pod: its top controller when the snapshot has it, else the pod itself
// (bare is then true).
func (x *workloadIndex) workloadOf(pod *corev1.Pod) (runtime.Object, bool) {
	kind, name := snapshot.Workload(pod)
	if kind == "Pod" {
		if ref := metav1.GetControllerOf(pod); ref != nil {
			kind, name = ref.Kind, ref.Name
		}
	}
	obj, ok := x.objs[kind+"/"+pod.Namespace+"/"+name]
	if !ok {
		return cleanObject(pod, "v1", "Pod"), true
	}
	// Climb: a ReplicaSet to its Deployment, a Job to its CronJob.
	if parent, ok := parentKinds[kind]; ok {
		if ref := metav1.GetControllerOf(obj.(metav1.Object)); ref != nil && ref.Kind == parent {
			if p, ok := x.objs[parent+"/"+pod.Namespace+"/"+ref.Name]; ok {
				obj, kind = p, parent
			}
		}
	}
	return cleanObject(obj.(applied), workloadAPIVersion[kind], kind), false
}

// applied is an object whose copy can be typed and cleaned.
type applied interface {
	runtime.Object
	metav1.Object
}

// cleanObject returns a copy of the object with its apiVersion and kind,
// without the metadata the API server fills in or the last applied
// configuration. Its status stays: the API server ignores it on apply, and
// the proof judges the object by it.
func cleanObject[T applied](obj T, apiVersion, kind string) runtime.Object {
	c := obj.DeepCopyObject()
	c.GetObjectKind().SetGroupVersionKind(schema.FromAPIVersionAndKind(apiVersion, kind))
	m := c.(metav1.Object)
	m.SetUID("")
	m.SetResourceVersion("")
	m.SetGeneration(0)
	m.SetCreationTimestamp(metav1.Time{})
	m.SetManagedFields(nil)
	m.SetSelfLink("")
	if a := m.GetAnnotations(); a != nil {
		delete(a, "kubectl.kubernetes.io/last-applied-configuration")
		if len(a) == 0 {
			m.SetAnnotations(nil)
		}
	}
	return c
}

// podSpecOf returns the pod spec a workload makes its pods from.
func podSpecOf(obj runtime.Object) *corev1.PodSpec {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.Spec
	case *appsv1.Deployment:
		return &o.Spec.Template.Spec
	case *appsv1.StatefulSet:
		return &o.Spec.Template.Spec
	case *appsv1.DaemonSet:
		return &o.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		return &o.Spec.Template.Spec
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			o.Spec.Template = &corev1.PodTemplateSpec{}
		}
		return &o.Spec.Template.Spec
	case *batchv1.Job:
		return &o.Spec.Template.Spec
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec
	}
	return nil
}

// objectMetaOf returns the metadata of a typed object, or nil.
func objectMetaOf(obj runtime.Object) *metav1.ObjectMeta {
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if m, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
			return m
		}
	}
	return nil
}

func objectName(obj runtime.Object) string {
	if m, ok := obj.(metav1.Object); ok {
		return m.GetName()
	}
	return ""
}
