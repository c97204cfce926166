package load

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// podLabels is a pod, or a controller's pod template, as an AdminNetwork-
// Policy subject sees it.
type podLabels struct {
	name      string // "ns/name" for messages
	namespace string
	labels    map[string]string
}

// warnSamePriority warns about pairs of AdminNetworkPolicies with the same
// priority whose subjects select the same pods: the spec leaves the order
// of their rules undefined, so an implementation may apply either first.
// Identical subjects always overlap; others overlap when a pod, or a pod
// template of a controller, of the input is selected by both.
func (l *Loader) warnSamePriority() {
	anps := l.snap.AdminNetworkPolicies
	if len(anps) < 2 {
		return
	}
	// The namespaces and pods are listed for the first pair of policies
	// of one priority whose subjects differ: most inputs have none.
	var nsLabels map[string]labels.Set
	var pods []podLabels
	for i := range anps {
		for j := i + 1; j < len(anps); j++ {
			a, b := &anps[i], &anps[j]
			if a.Spec.Priority != b.Spec.Priority {
				continue
			}
			why := ""
			if equality.Semantic.DeepEqual(a.Spec.Subject, b.Spec.Subject) {
				why = "the same subject"
			} else {
				if nsLabels == nil {
					nsLabels, pods = l.namespaceLabels(), l.candidatePods()
				}
				for _, p := range pods {
					nl, ok := nsLabels[p.namespace]
					if !ok {
						nl = labels.Set{corev1.LabelMetadataName: p.namespace}
					}
					if selects(a.Spec.Subject, nl, p.labels) && selects(b.Spec.Subject, nl, p.labels) {
						why = "pod " + p.name
						break
					}
				}
			}
			if why == "" {
				continue
			}
			gk := schema.GroupKind{Group: anp.GroupName, Kind: "AdminNetworkPolicy"}
			wa := l.seen[identity{gk: gk, name: a.Name}].where
			wb := l.seen[identity{gk: gk, name: b.Name}].where
			l.warning(wb, "AdminNetworkPolicies %s (%s) and %s (%s) have the same priority %d and both select %s: the order of their rules is undefined by the spec, so implementations may differ", a.Name, wa, b.Name, wb, a.Spec.Priority, why)
		}
	}
}

// namespaceLabels returns the labels of each namespace of the input, its
// name label included.
func (l *Loader) namespaceLabels() map[string]labels.Set {
	nsLabels := make(map[string]labels.Set, len(l.snap.Namespaces))
	for _, ns := range l.snap.Namespaces {
		set := labels.Set{}
		for k, v := range ns.Labels {
			set[k] = v
		}
		set[corev1.LabelMetadataName] = ns.Name
		nsLabels[ns.Name] = set
	}
	return nsLabels
}

// candidatePods lists the pods of the input and the pod templates of its
// controllers.
func (l *Loader) candidatePods() []podLabels {
	var out []podLabels
	add := func(m metav1.ObjectMeta, tmpl map[string]string) {
		out = append(out, podLabels{m.Namespace + "/" + m.Name, m.Namespace, tmpl})
	}
	s := l.snap
	for _, p := range s.Pods {
		add(p.ObjectMeta, p.Labels)
	}
	for _, d := range s.Deployments {
		add(d.ObjectMeta, d.Spec.Template.Labels)
	}
	for _, d := range s.StatefulSets {
		add(d.ObjectMeta, d.Spec.Template.Labels)
	}
	for _, d := range s.DaemonSets {
		add(d.ObjectMeta, d.Spec.Template.Labels)
	}
	for _, d := range s.ReplicaSets {
		add(d.ObjectMeta, d.Spec.Template.Labels)
	}
	for _, d := range s.Jobs {
		add(d.ObjectMeta, d.Spec.Template.Labels)
	}
	for _, d := range s.CronJobs {
		add(d.ObjectMeta, d.Spec.JobTemplate.Spec.Template.Labels)
	}
	return out
}

// selects reports whether an AdminNetworkPolicy subject selects a pod with
// podLabels in a namespace with nsLabels.
func selects(s anp.AdminNetworkPolicySubject, nsLabels labels.Set, podLabels map[string]string) bool {
	match := func(sel *metav1.LabelSelector, set labels.Set) bool {
		ls, err := metav1.LabelSelectorAsSelector(sel)
		return err == nil && ls.Matches(set)
	}
	switch {
	case s.Namespaces != nil:
		return match(s.Namespaces, nsLabels)
	case s.Pods != nil:
		return match(&s.Pods.NamespaceSelector, nsLabels) && match(&s.Pods.PodSelector, labels.Set(podLabels))
	}
	return false
}
