package harden

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/bootstrap"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

/*
PodSecurityPlan labels namespaces for Pod Security admission. Per namespace
it chooses, in this order:

  - the strictest level (restricted > baseline > privileged) that every pod
    of the namespace passes, real pods and the representative pods of
    controller templates alike, evaluated by the upstream library at the
    pinned version (a namespace without pods gets restricted: its owners
    learn of the level from the warnings before their first pod);
  - raised to baseline for tenant namespaces, unless the namespace is in
    Options.AllowPrivileged: a pod that baseline refuses is work for its
    owner (Work), not a reason to leave the namespace open to every escape;
  - raised to the level the namespace enforces now: a label is never
    lowered. An existing enforce label of the chosen level is kept as it
    is, version included; an invalid one counts as what the API server
    makes of it (restricted, latest) and is rewritten valid.

Warn and audit are set to restricted, at the same version, so that owners
see what restricted would refuse before anyone enforces it.

Platform namespaces (monitoring, ingress controllers, node agents) are
labelled only when it is safe: at the strictest level their pods pass, and
only if that is at least baseline. They get no baseline floor and no Work:
a node exporter that needs host access keeps it, and a note says so. The
cluster tenant's namespaces are the cluster's own and are left alone.

The version is pinned so that an upgrade of the API server does not
tighten the checks under running workloads: to the snapshot's Kubernetes
version (the one offline input is read as), else the newest kubelet
version of its nodes (the server is at least as new), else
bootstrap.DefaultVersion, the version of the Pod Security library built in.

A label does not evict: running pods that the new level refuses keep
running, and the API server refuses them when they are next created (a
restart by their controller, a rollout, a re-apply). They are listed as
Work with the admission plugin's own message.
*/

// levelRank orders the Pod Security levels, strictest highest.
var levelRank = map[psaapi.Level]int{psaapi.LevelPrivileged: 0, psaapi.LevelBaseline: 1, psaapi.LevelRestricted: 2}

// PodSecurityPlan chooses the Pod Security labels of each tenant and
// platform namespace (see the comment above), and returns the Namespaces
// whose labels are to be merged, the pods their new level refuses, and
// notes on what was left as it is.
func PodSecurityPlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) ([]Object, []Work, []string) {
	return podSecurityPlan(snap, ten, opts, nil)
}

// podSecurityPlan is PodSecurityPlan, with judged the node engine's
// result on snap when there is one: a pod's verdict there moves to the
// level it is evaluated at here without evaluating the pod again, when
// both evaluate at the same version (node.Verdict.Reverdict).
func podSecurityPlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options, judged *node.Result) ([]Object, []Work, []string) {
	version := PodSecurityVersion(snap)
	pods := map[string][]*corev1.Pod{}
	known := map[string][]*node.Verdict{}
	// The node engine judges snap.Pods[i] as its Pods[i] (AnalyzeWith,
	// Rejudge); a result of another snapshot is not used.
	if judged != nil && len(judged.Pods) != len(snap.Pods) {
		judged = nil
	}
	for i := range snap.Pods {
		p := &snap.Pods[i]
		pods[p.Namespace] = append(pods[p.Namespace], p)
		if judged != nil {
			known[p.Namespace] = append(known[p.Namespace], &judged.Pods[i].Verdict)
		}
	}
	byName := map[string]*corev1.Namespace{}
	for i := range snap.Namespaces {
		if _, dup := byName[snap.Namespaces[i].Name]; !dup {
			byName[snap.Namespaces[i].Name] = &snap.Namespaces[i]
		}
	}
	names := podSecurityNamespaces(snap, ten)
	owner := snap.Owners() // only reads the indexes it built: safe on every core
	// Each namespace is judged on its own: all of them on every core.
	decisions := make([]psDecision, len(names))
	eachParallel(len(names), func(i int) {
		name := names[i]
		ns := byName[name]
		if ns == nil {
			decisions[i] = psDecision{note: fmt.Sprintf("namespace %s: no Namespace object in the snapshot, so its Pod Security labels are unknown; not labelled", name)}
			return
		}
		decisions[i] = decidePodSecurity(ns, pods[name], known[name], owner, version, ten.IsPlatform(name), slices.Contains(opts.AllowPrivileged, name))
	})
	var objects []Object
	var work []Work
	var notes []string
	for _, d := range decisions {
		if d.note != "" {
			notes = append(notes, d.note)
		}
		work = append(work, d.work...)
		if d.object != nil {
			objects = append(objects, *d.object)
		}
	}
	return objects, work, notes
}

// podSecurityNamespaces lists, sorted, the namespaces of every tenant but
// the cluster's.
func podSecurityNamespaces(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []string {
	var out []string
	for _, t := range ten.Tenants() {
		if t.System || t.Name == tenancy.Cluster {
			continue
		}
		for _, ns := range t.Namespaces {
			if !ten.IsSystem(ns) {
				out = append(out, ns)
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// PodSecurityVersion is the version Pod Security labels are pinned to
// ("v1.32"): the snapshot's Kubernetes version when known, else the newest
// kubelet of its nodes, else bootstrap.DefaultVersion.
func PodSecurityVersion(snap *snapshot.Snapshot) string {
	if v, ok := minorVersion(snap.Assumed.Version); ok {
		return v
	}
	best, bestMinor := "", -1
	for i := range snap.Nodes {
		if v, ok := minorVersion(snap.Nodes[i].Status.NodeInfo.KubeletVersion); ok {
			if m, _ := strconv.Atoi(strings.TrimPrefix(v, "v1.")); m > bestMinor {
				best, bestMinor = v, m
			}
		}
	}
	if best != "" {
		return best
	}
	return bootstrap.DefaultVersion
}

var kubeVersionRE = regexp.MustCompile(`^v?1\.(\d{1,3})(\.|$|-|\+)`)

// minorVersion reads "v1.32.2-eks-1" or "1.32" as "v1.32".
func minorVersion(s string) (string, bool) {
	m := kubeVersionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return "", false
	}
	return "v1." + strconv.Itoa(n), true
}

// psDecision is what PodSecurityPlan does with one namespace.
type psDecision struct {
	object *Object
	work   []Work
	note   string
}

// decidePodSecurity chooses one namespace's labels.
func decidePodSecurity(ns *corev1.Namespace, pods []*corev1.Pod, known []*node.Verdict, owner func(*corev1.Pod) (string, string), version string, platform, allowPrivileged bool) psDecision {
	pinned, err := psaapi.ParseVersion(version)
	if err != nil {
		pinned = psaapi.LatestVersion()
	}
	// What the namespace enforces now, as the admission plugin reads it.
	current, _ := psaapi.PolicyToEvaluate(ns.Labels, psaapi.Policy{
		Enforce: psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
		Audit:   psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
		Warn:    psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
	})
	verdicts := evaluateAt(pods, known, pinned)
	passes := strictestPassed(verdicts)
	level := passes
	if !platform && !allowPrivileged && levelRank[level] < levelRank[psaapi.LevelBaseline] {
		level = psaapi.LevelBaseline
	}
	if platform && levelRank[level] < levelRank[psaapi.LevelBaseline] && levelRank[current.Enforce.Level] < levelRank[psaapi.LevelBaseline] {
		return psDecision{note: fmt.Sprintf("namespace %s (platform): its pods need privileged, so it is not labelled; keep its workloads on nodes of their own", ns.Name)}
	}

	want := map[string]string{}
	enforce := psaapi.LevelVersion{Level: level, Version: pinned}
	if keep := validEnforce(ns.Labels); keep != nil && levelRank[keep.Level] >= levelRank[level] {
		// Never lower, and never re-pin, a valid label at least as strict.
		enforce = *keep
		want[psaapi.EnforceLevelLabel] = ns.Labels[psaapi.EnforceLevelLabel]
		if v, ok := ns.Labels[psaapi.EnforceVersionLabel]; ok {
			want[psaapi.EnforceVersionLabel] = v
		}
	} else {
		if levelRank[current.Enforce.Level] > levelRank[level] {
			// An invalid label reads as restricted: keep it so.
			enforce.Level = current.Enforce.Level
		}
		want[psaapi.EnforceLevelLabel] = string(enforce.Level)
		want[psaapi.EnforceVersionLabel] = pinned.String()
	}
	for _, mode := range []struct{ level, version string }{
		{psaapi.WarnLevelLabel, psaapi.WarnVersionLabel},
		{psaapi.AuditLevelLabel, psaapi.AuditVersionLabel},
	} {
		if ns.Labels[mode.level] == string(psaapi.LevelRestricted) {
			if _, err := psaapi.ParseVersion(ns.Labels[mode.version]); err == nil || ns.Labels[mode.version] == "" {
				continue // already restricted: its version is the owner's
			}
		}
		want[mode.level] = string(psaapi.LevelRestricted)
		want[mode.version] = pinned.String()
	}

	d := psDecision{}
	if !platform {
		d.work = refusedWork(ns.Name, pods, owner, verdicts, pinned, enforce)
	}
	changed := false
	for k, v := range want {
		if old, ok := ns.Labels[k]; !ok || old != v {
			changed = true
		}
	}
	switch {
	case len(d.work) > 0:
		d.note = fmt.Sprintf("namespace %s: enforces %s; %d workload(s) fail it and are listed for their owners: running pods are not evicted by a label, but the API server refuses them when they are next created", ns.Name, enforce.String(), len(d.work))
	case allowPrivileged && enforce.Level == psaapi.LevelPrivileged:
		d.note = fmt.Sprintf("namespace %s: stays privileged (allowed); its pods can still escape to their nodes", ns.Name)
	}
	if !changed {
		return d
	}
	d.object = podSecurityObject(ns, want, enforce, current.Enforce, passes)
	return d
}

// evaluateAt evaluates every pod at baseline and restricted of the
// version; known, when not nil, holds each pod's verdict under another
// policy, which moves to this one when both evaluate at the same version.
func evaluateAt(pods []*corev1.Pod, known []*node.Verdict, version psaapi.Version) []node.Verdict {
	pol := node.NamespacePolicy{Policy: psaapi.Policy{Enforce: psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: version}}}
	out := make([]node.Verdict, len(pods))
	for i, p := range pods {
		if known != nil {
			if v, ok := known[i].Reverdict(&pol); ok {
				out[i] = v
				continue
			}
		}
		out[i] = node.Evaluate(&pol, p)
	}
	return out
}

// strictestPassed returns the strictest level that every pod passes.
func strictestPassed(verdicts []node.Verdict) psaapi.Level {
	level := psaapi.LevelRestricted
	for i := range verdicts {
		if !verdicts[i].Baseline.Allowed {
			return psaapi.LevelPrivileged
		}
		if !verdicts[i].Restricted.Allowed {
			level = psaapi.LevelBaseline
		}
	}
	return level
}

// validEnforce returns the namespace's enforce label when both it and its
// version label (if any) are valid.
func validEnforce(labels map[string]string) *psaapi.LevelVersion {
	l, ok := labels[psaapi.EnforceLevelLabel]
	if !ok {
		return nil
	}
	level, err := psaapi.ParseLevel(l)
	if err != nil {
		return nil
	}
	version := psaapi.LatestVersion()
	if v, ok := labels[psaapi.EnforceVersionLabel]; ok {
		if version, err = psaapi.ParseVersion(v); err != nil {
			return nil
		}
	}
	return &psaapi.LevelVersion{Level: level, Version: version}
}

// refusedWork lists, one per workload, the pods the enforce level refuses,
// with the admission plugin's message. verdicts are the pods' at version:
// reused when the enforce level is of that version, else the pods are
// evaluated again.
func refusedWork(ns string, pods []*corev1.Pod, owner func(*corev1.Pod) (string, string), verdicts []node.Verdict, version psaapi.Version, enforce psaapi.LevelVersion) []Work {
	pol := node.NamespacePolicy{Namespace: ns, Policy: psaapi.Policy{Enforce: enforce}}
	seen := map[string]bool{}
	var out []Work
	for i, p := range pods {
		var v node.Verdict
		switch {
		case enforce.Level == psaapi.LevelPrivileged:
			continue
		case enforce.Version != version:
			v = node.Evaluate(&pol, p)
		case enforce.Level == psaapi.LevelBaseline:
			v = node.Verdict{Enforced: enforce, Enforce: verdicts[i].Baseline}
		default:
			v = node.Verdict{Enforced: enforce, Enforce: verdicts[i].Restricted}
		}
		if v.Admitted() {
			continue
		}
		kind, name := owner(p)
		obj := kind + "/" + name
		if seen[obj] {
			continue
		}
		seen[obj] = true
		problem := v.Message() + "; it keeps running (a label does not evict), but the API server will refuse it when it is next created"
		if strings.HasPrefix(obj, "DaemonSet/") {
			problem += "; a DaemonSet: a node added after the label gets none of its pods, and one deleted is not re-created (fix its template, give --allow-privileged " + ns + ", or declare the namespace platform if it is a node agent of the platform)"
		}
		out = append(out, Work{Namespace: ns, Object: obj, Problem: problem})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Object < out[j].Object })
	return out
}

// podSecurityObject is the Namespace carrying the labels to merge.
func podSecurityObject(ns *corev1.Namespace, want map[string]string, enforce, current psaapi.LevelVersion, passes psaapi.Level) *Object {
	obj := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: want},
	}
	var closes []string
	if current.Level == psaapi.LevelPrivileged && enforce.Level != psaapi.LevelPrivileged {
		closes = []string{node.IDUnenforced}
	}
	var why string
	switch {
	case enforce.Level == passes:
		why = fmt.Sprintf("Pod Security: enforce %s, the strictest level its pods pass; warn and audit restricted", enforce.String())
	case levelRank[enforce.Level] > levelRank[passes] && enforce.Level == current.Level:
		why = fmt.Sprintf("Pod Security: keep enforcing %s (never lowered; some pods fail it); warn and audit restricted", enforce.String())
	default:
		why = fmt.Sprintf("Pod Security: enforce %s, the floor for tenant namespaces (some pods pass only %s and are listed for their owners); warn and audit restricted", enforce.String(), passes)
	}
	// The namespace is its owner's: harden merges Pod Security labels
	// into it and never claims it.
	note(&obj.ObjectMeta, closes, why)
	// The Namespace is cluster-scoped; it is grouped with the namespace it
	// labels.
	return &Object{Layer: PodSecurity, Namespace: ns.Name, Obj: obj, Closes: closes, Why: why}
}
