package admission

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// reachRules are the rules of a pod's escapes by their worst reach, as
// the node engine reports them.
var reachRules = map[node.Reach]string{
	node.Node:    node.IDNodeEscape,
	node.Host:    node.IDHostAccess,
	node.Weakens: node.IDWeakened,
}

// pod judges a pod, or a controller's template as a representative pod:
// its ways out of the container, as the node engine finds them, at its
// worst reach. Pod Security is the API server's: a pod its namespace's
// enforce level refuses never reaches the webhook, so the webhook adds the
// escapes Pod Security misses or that a namespace enforcing nothing
// admits; for a template (which Pod Security only warns about) the
// message says that Pod Security would refuse its pods too.
func (a *Admission) pod(p *corev1.Pod) []Violation {
	f := a.judge.Pod(p)
	if isCluster(f.Tenant) || f.Reach == node.Contained {
		return nil
	}
	// Every field the webhook would deny is named at once, the worst
	// first, so that one correction passes: a pod both privileged and on
	// the host's PID namespace is told both.
	var fields []string
	for _, e := range f.Escapes {
		if (e.Reach == f.Reach || f.Reach >= node.Host && e.Reach >= node.Host) && !slices.Contains(fields, e.Field) {
			fields = append(fields, e.Field)
		}
	}
	worst := f.Escapes[0]
	kind, name := snapshot.Workload(p)
	reason := fmt.Sprintf("%s %s/%s %s: %s", kind, p.Namespace, name, reachVerb[f.Reach], strings.TrimSuffix(worst.Reason, "."))
	if !f.Verdict.Admitted() {
		reason += fmt.Sprintf(" (Pod Security %s refuses it too)", f.Verdict.Enforced.String())
	}
	target := targetNode
	if f.Reach == node.Weakens {
		target = ""
	}
	return []Violation{{
		Rule:   reachRules[f.Reach],
		Source: f.Tenant, Target: target,
		Object: kind + " " + p.Namespace + "/" + name,
		Fields: fields,
		Reason: reason,
		Fix:    podFix(p.Namespace, f, fields),
	}}
}

// podFix says how to make a pod pass, field by field at its worst reach:
// a NET_RAW kept is dropped in the container's capabilities, every other
// field removed. It names the Pod Security level that would refuse the
// pod, if the namespace enforces less: baseline where baseline refuses it,
// restricted for NET_RAW (baseline allows NET_RAW; restricted refuses
// containers that do not drop ALL), none for escapes Pod Security does
// not check (hostPath volumes through claims, nodeName, tolerations).
func podFix(namespace string, f node.PodFacts, fields []string) string {
	var drops []string
	for _, e := range f.Escapes {
		if e.Check != "netRaw" || !slices.Contains(fields, e.Field) {
			continue
		}
		path, ok := strings.CutSuffix(e.Field, " lacks NET_RAW")
		if !ok {
			path = e.Field
		}
		if !slices.Contains(drops, path) {
			drops = append(drops, path)
		}
	}
	const elsewhere = "; workloads that need them belong in a namespace of the cluster tenant"
	var fix string
	switch {
	case len(drops) == 0:
		fix = "remove these fields" + elsewhere
	case len(fields) > len(drops):
		fix = "add NET_RAW (or ALL) to " + strings.Join(drops, ", ") + " and remove the other fields" + elsewhere
	default:
		fix = "add NET_RAW (or ALL) to " + strings.Join(drops, ", ")
	}
	level := ""
	switch enforced := f.Verdict.Enforced.Level; {
	case !f.Verdict.Baseline.Allowed && enforced == psaapi.LevelPrivileged:
		level = fmt.Sprintf("namespace %s should enforce Pod Security baseline (pod-security.kubernetes.io/enforce=baseline)", namespace)
	case len(drops) > 0 && enforced != psaapi.LevelRestricted:
		level = fmt.Sprintf("namespace %s should enforce Pod Security restricted where its workloads allow (pod-security.kubernetes.io/enforce=restricted refuses containers that do not drop ALL; baseline keeps NET_RAW)", namespace)
	}
	switch {
	case level == "":
		return fix
	case len(fields) > len(drops):
		return fix + ", and " + level
	}
	return fix + "; " + level
}

var reachVerb = map[node.Reach]string{
	node.Node:    "would be root on its node",
	node.Host:    "would reach into its node",
	node.Weakens: "would weaken its isolation from the node",
}

// templatePod returns the representative pod of a workload controller's
// template, as the snapshot derives one: the template's labels,
// annotations and spec in the controller's namespace, named after it.
func templatePod(obj runtime.Object, namespace string) (*corev1.Pod, bool) {
	var meta *metav1.ObjectMeta
	var tpl *corev1.PodTemplateSpec
	var kind string
	switch o := obj.(type) {
	case *appsv1.Deployment:
		meta, tpl, kind = &o.ObjectMeta, &o.Spec.Template, "Deployment"
	case *appsv1.StatefulSet:
		meta, tpl, kind = &o.ObjectMeta, &o.Spec.Template, "StatefulSet"
	case *appsv1.DaemonSet:
		meta, tpl, kind = &o.ObjectMeta, &o.Spec.Template, "DaemonSet"
	case *appsv1.ReplicaSet:
		meta, tpl, kind = &o.ObjectMeta, &o.Spec.Template, "ReplicaSet"
	case *batchv1.Job:
		meta, tpl, kind = &o.ObjectMeta, &o.Spec.Template, "Job"
	case *batchv1.CronJob:
		meta, tpl, kind = &o.ObjectMeta, &o.Spec.JobTemplate.Spec.Template, "CronJob"
	default:
		return nil, false
	}
	ns := meta.Namespace
	if ns == "" {
		ns = namespace
	}
	ann := maps.Clone(tpl.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	ann[snapshot.SyntheticAnnotation] = kind + "/" + meta.Name
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: meta.Name, Labels: tpl.Labels, Annotations: ann},
		Spec:       *tpl.Spec.DeepCopy(),
	}
	return pod, true
}
