package snapshot

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// controller is what expansion needs of any workload controller.
type controller struct {
	kind     string
	meta     *metav1.ObjectMeta
	selector *metav1.LabelSelector // nil: select by the template's labels
	template *corev1.PodTemplateSpec
	owned    bool // managed by another controller of the snapshot
	// claims are a StatefulSet's volumeClaimTemplates, whose claims its
	// pods mount.
	claims []corev1.PersistentVolumeClaim
}

// expandControllers adds one representative pod for every workload
// controller that has no pod in the snapshot, so that offline manifests
// (Helm output, a GitOps repo) are analysed as the pods they will create.
// A controller is taken to have pods when a real pod of its namespace that
// has not finished (IsOneOff) is owned by it or matches its selector: the
// pods a CronJob's last runs left Succeeded, or a Deployment's evicted
// ones, say nothing of the pods it runs next. ReplicaSets and Jobs owned by a
// Deployment or CronJob present in the snapshot are left to their owner.
// Jobs that finished and Helm hook Jobs get none: they hold no node and no
// token for long. A CronJob's template counts: it will run again.
//
// It returns the pods it added.
func (s *Snapshot) expandControllers() []corev1.Pod {
	owners := s.ownerIndex()
	var cs []controller
	for i := range s.Deployments {
		d := &s.Deployments[i]
		cs = append(cs, controller{kind: "Deployment", meta: &d.ObjectMeta, selector: d.Spec.Selector, template: &d.Spec.Template})
	}
	for i := range s.StatefulSets {
		d := &s.StatefulSets[i]
		cs = append(cs, controller{kind: "StatefulSet", meta: &d.ObjectMeta, selector: d.Spec.Selector, template: &d.Spec.Template, claims: d.Spec.VolumeClaimTemplates})
	}
	for i := range s.DaemonSets {
		d := &s.DaemonSets[i]
		cs = append(cs, controller{kind: "DaemonSet", meta: &d.ObjectMeta, selector: d.Spec.Selector, template: &d.Spec.Template})
	}
	for i := range s.ReplicaSets {
		d := &s.ReplicaSets[i]
		cs = append(cs, controller{kind: "ReplicaSet", meta: &d.ObjectMeta, selector: d.Spec.Selector, template: &d.Spec.Template, owned: owners.owns(&d.ObjectMeta, "Deployment")})
	}
	for i := range s.ReplicationControllers {
		d := &s.ReplicationControllers[i]
		var sel *metav1.LabelSelector
		if len(d.Spec.Selector) > 0 {
			sel = &metav1.LabelSelector{MatchLabels: d.Spec.Selector}
		}
		if d.Spec.Template != nil {
			cs = append(cs, controller{kind: "ReplicationController", meta: &d.ObjectMeta, selector: sel, template: d.Spec.Template})
		}
	}
	for i := range s.Jobs {
		d := &s.Jobs[i]
		if jobDone(d) || isHelmHook(&d.ObjectMeta) || isHelmHook(&d.Spec.Template.ObjectMeta) {
			continue // its pods ran, or run only around a Helm release
		}
		cs = append(cs, controller{kind: "Job", meta: &d.ObjectMeta, selector: d.Spec.Selector, template: &d.Spec.Template, owned: owners.owns(&d.ObjectMeta, "CronJob")})
	}
	for i := range s.CronJobs {
		d := &s.CronJobs[i]
		cs = append(cs, controller{kind: "CronJob", meta: &d.ObjectMeta, template: &d.Spec.JobTemplate.Spec.Template})
	}
	pods := s.podsByNamespace()
	sels := selectors{}
	var added []corev1.Pod
	for _, c := range cs {
		if c.owned || s.hasPods(c, pods[c.meta.Namespace], sels) {
			continue
		}
		added = append(added, representative(c))
	}
	s.Pods = append(s.Pods, added...)
	return added
}

// ownerIndex is the set of Deployments and CronJobs present, by kind,
// namespace and name: the controllers that own ReplicaSets and Jobs.
type ownerIndex map[[3]string]bool

func (s *Snapshot) ownerIndex() ownerIndex {
	x := ownerIndex{}
	for i := range s.Deployments {
		x[[3]string{"Deployment", s.Deployments[i].Namespace, s.Deployments[i].Name}] = true
	}
	for i := range s.CronJobs {
		x[[3]string{"CronJob", s.CronJobs[i].Namespace, s.CronJobs[i].Name}] = true
	}
	return x
}

// owns reports whether m has an owner of the kind that is present in the
// snapshot.
func (x ownerIndex) owns(m *metav1.ObjectMeta, kind string) bool {
	for _, ref := range m.OwnerReferences {
		if ref.Kind == kind && x[[3]string{kind, m.Namespace, ref.Name}] {
			return true
		}
	}
	return false
}

// podsByNamespace indexes the pods by namespace, so that finding a
// controller's pods looks at its namespace only.
func (s *Snapshot) podsByNamespace() map[string][]int {
	out := map[string][]int{}
	for i := range s.Pods {
		out[s.Pods[i].Namespace] = append(out[s.Pods[i].Namespace], i)
	}
	return out
}

func (s *Snapshot) hasPods(c controller, inNamespace []int, sels selectors) bool {
	var sel labels.Selector
	if c.selector != nil {
		sel = sels.of(c.selector)
	}
	if sel == nil && len(c.template.Labels) > 0 {
		sel = labels.SelectorFromSet(c.template.Labels)
	}
	for _, i := range inNamespace {
		p := &s.Pods[i]
		if IsSynthetic(p) || IsOneOff(p) {
			continue // a finished pod is no sign of the pods to come
		}
		for _, ref := range p.OwnerReferences {
			if ref.Kind == c.kind && ref.Name == c.meta.Name {
				return true
			}
		}
		if sel != nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
			return true
		}
	}
	// A representative added by an earlier Normalize counts too.
	for _, i := range inNamespace {
		if s.Pods[i].Annotations[SyntheticAnnotation] == c.kind+"/"+c.meta.Name {
			return true
		}
	}
	return false
}

// selectors are the label selectors of controllers, made once per
// selector (SelectorKey): a big cluster's thousands of Deployments repeat
// a few, and making one checks every key and value it names. A selector
// that is not valid is nil.
type selectors map[string]labels.Selector

func (x selectors) of(ls *metav1.LabelSelector) labels.Selector {
	k := SelectorKey(ls)
	if sel, ok := x[k]; ok {
		return sel
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		sel = nil
	}
	x[k] = sel
	return sel
}

// SelectorKey spells a label selector unambiguously, equal selectors
// alike: each string prefixed by its length, the labels in key order, an
// expression's values in order; nil is "nil", apart from the empty
// selector.
func SelectorKey(ls *metav1.LabelSelector) string {
	if ls == nil {
		return "nil"
	}
	var b strings.Builder
	put := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	b.WriteString(strconv.Itoa(len(ls.MatchLabels)))
	for _, k := range slices.Sorted(maps.Keys(ls.MatchLabels)) {
		put(k)
		put(ls.MatchLabels[k])
	}
	for _, e := range ls.MatchExpressions {
		put(e.Key)
		put(string(e.Operator))
		b.WriteString(strconv.Itoa(len(e.Values)))
		for _, v := range slices.Sorted(slices.Values(e.Values)) {
			put(v)
		}
	}
	return b.String()
}

func representative(c controller) corev1.Pod {
	p := corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        strings.ToLower(c.kind) + "-" + c.meta.Name,
			Namespace:   c.meta.Namespace,
			Labels:      maps.Clone(c.template.Labels),
			Annotations: maps.Clone(c.template.Annotations),
		},
		Spec: *c.template.Spec.DeepCopy(),
	}
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[SyntheticAnnotation] = c.kind + "/" + c.meta.Name
	// A StatefulSet's pod mounts the claim each template makes for it, as
	// its controller adds them: the first pod's.
	for _, t := range c.claims {
		claim := ClaimTemplateName(t.Name, c.meta.Name)
		p.Spec.Volumes = slices.DeleteFunc(p.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == t.Name })
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: t.Name,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
	}
	DefaultPodSpec(&p.Spec)
	return p
}

// ClaimTemplateName is the claim a StatefulSet's volumeClaimTemplate
// makes for its first pod (ordinal 0): TEMPLATE-STATEFULSET-0.
func ClaimTemplateName(template, statefulSet string) string {
	return template + "-" + statefulSet + "-0"
}

// HelmHookAnnotation marks a Helm hook: a Job or pod Helm runs around an
// install, upgrade, rollback, delete or test, then leaves finished or
// deletes.
const HelmHookAnnotation = "helm.sh/hook"

func isHelmHook(m *metav1.ObjectMeta) bool {
	_, ok := m.Annotations[HelmHookAnnotation]
	return ok
}

// IsOneOff reports whether a pod runs once and ends, so that it holds no
// place on a node and no mounted token for long: it finished (phase
// Succeeded or Failed), or it is a Helm hook.
func IsOneOff(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed || isHelmHook(&p.ObjectMeta)
}

// HoldsTokenBriefly reports whether a pod holds its service account's token
// on a node only for a short run: the representative pod of a Job of the
// input (not of a CronJob, which runs again and again) runs once and ends,
// and the kubelet refreshes a bound token only while its pod runs. A live
// pod of a Job is running now, and holds its token now.
func HoldsTokenBriefly(p *corev1.Pod) bool {
	kind, _ := Workload(p)
	return kind == "Job"
}

// jobDone reports whether a Job finished: it has a completionTime, or its
// Complete or Failed condition is true.
func jobDone(j *batchv1.Job) bool {
	if j.Status.CompletionTime != nil {
		return true
	}
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
