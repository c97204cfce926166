package node

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Judge judges one pod at a time as Analyze judges every pod of a
// snapshot: its namespace's Pod Security verdict and its ways out of the
// container. Admission control asks it about a pod (or a controller's
// template as a representative pod) before the pod exists; what depends
// on other pods (co-location, tokens, placement) is Analyze's.
//
// A Judge only reads the snapshot it was made from; it is safe for
// concurrent use.
type Judge struct {
	namespaces []NamespacePolicy
	ten        *tenancy.Tenancy
	claims     map[string]*corev1.PersistentVolumeClaim
	volumes    map[string]*corev1.PersistentVolume
}

// NewJudge prepares the judgement of pods in the namespaces, volumes and
// claims of a normalised snapshot.
func NewJudge(snap *snapshot.Snapshot, ten *tenancy.Tenancy) *Judge {
	j := &Judge{
		namespaces: namespacePolicies(snap, ten),
		ten:        ten,
		claims:     make(map[string]*corev1.PersistentVolumeClaim, len(snap.PersistentVolumeClaims)),
		volumes:    make(map[string]*corev1.PersistentVolume, len(snap.PersistentVolumes)),
	}
	for i := range snap.PersistentVolumeClaims {
		c := &snap.PersistentVolumeClaims[i]
		j.claims[c.Namespace+"/"+c.Name] = c
	}
	// The claims a StatefulSet's templates will make, where the snapshot
	// does not hold them yet (manifests): what its first pod mounts.
	for i := range snap.StatefulSets {
		sts := &snap.StatefulSets[i]
		for _, t := range sts.Spec.VolumeClaimTemplates {
			name := snapshot.ClaimTemplateName(t.Name, sts.Name)
			if key := sts.Namespace + "/" + name; j.claims[key] == nil {
				j.claims[key] = &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: sts.Namespace, Name: name}, Spec: *t.Spec.DeepCopy()}
			}
		}
	}
	for i := range snap.PersistentVolumes {
		j.volumes[snap.PersistentVolumes[i].Name] = &snap.PersistentVolumes[i]
	}
	return j
}

// Namespace returns the Pod Security policy of a namespace: the one its
// labels set, or the API server's default for a namespace the snapshot
// does not hold.
func (j *Judge) Namespace(name string) *NamespacePolicy {
	if p := policyOf(j.namespaces, name); p != nil {
		return p
	}
	p := namespacePolicy(name, nil)
	p.Tenant = j.ten.Of(name)
	return &p
}

// Pod judges a pod in its namespace, with the defaults the API server
// would set (the pod is not changed). Its token powers, placement and
// co-location are not judged.
func (j *Judge) Pod(pod *corev1.Pod) PodFacts {
	p := pod.DeepCopy()
	snapshot.DefaultPodSpec(&p.Spec)
	return j.judge(j.view(), j.Namespace(p.Namespace), p)
}

// view is what the escape checks see of the snapshot.
func (j *Judge) view() podView {
	return podView{
		claim:  func(ns, name string) *corev1.PersistentVolumeClaim { return j.claims[ns+"/"+name] },
		volume: func(name string) *corev1.PersistentVolume { return j.volumes[name] },
	}
}

// judge is the judgement of one pod, with view's lookups.
func (j *Judge) judge(view podView, ns *NamespacePolicy, pod *corev1.Pod) PodFacts {
	view.pod, view.cs = pod, nil
	f := PodFacts{
		Ref:            podRef(pod),
		Namespace:      pod.Namespace,
		Tenant:         ns.Tenant,
		Verdict:        Evaluate(ns, pod),
		Escapes:        escapes(&view),
		Running:        !snapshot.IsOneOff(pod),
		Live:           isLive(pod),
		ServiceAccount: serviceAccountName(pod),
	}
	f.Reach = Worst(f.Escapes)
	return f
}
