package node

import (
	"fmt"
	"reflect"
	"sync"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// The Pod Security Standards are evaluated by the upstream library, built
// once: its checks are versioned and it is the code kube-apiserver runs.
var evaluator = sync.OnceValues(func() (policy.Evaluator, error) {
	return policy.NewEvaluator(policy.DefaultChecks())
})

// serverDefault is what kube-apiserver enforces in a namespace without
// labels when no AdmissionConfiguration says otherwise: privileged, latest.
var serverDefault = psaapi.Policy{
	Enforce: psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
	Audit:   psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
	Warn:    psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
}

// NamespacePolicy is the Pod Security configuration of one namespace, read
// from its pod-security.kubernetes.io labels.
type NamespacePolicy struct {
	Namespace string
	Tenant    string
	// Policy is what the admission plugin evaluates: labels resolved with
	// the API server's defaults (privileged, latest).
	Policy psaapi.Policy
	// HasEnforce is false when the namespace carries no enforce label (or
	// has no Namespace object in the snapshot).
	HasEnforce bool
	// InSnapshot is false for a namespace that pods live in but whose
	// Namespace object the snapshot lacks: its labels are unknown.
	InSnapshot bool
	// LabelErrors lists labels with invalid values; the admission plugin
	// then falls back to restricted, latest for that mode.
	LabelErrors []string
}

// Enforces reports whether the namespace enforces at least baseline, the
// level that forbids every way Pod Security knows of reaching the node.
func (p *NamespacePolicy) Enforces() bool {
	return p.Policy.Enforce.Level != psaapi.LevelPrivileged
}

func namespacePolicy(ns string, labels map[string]string) NamespacePolicy {
	pol, errs := psaapi.PolicyToEvaluate(labels, serverDefault)
	p := NamespacePolicy{Namespace: ns, Policy: pol}
	_, p.HasEnforce = labels[psaapi.EnforceLevelLabel]
	for _, e := range errs {
		p.LabelErrors = append(p.LabelErrors, e.Error())
	}
	return p
}

// windows reports whether a pod says it runs Windows (spec.os.name).
func windows(pod *corev1.Pod) bool {
	return pod.Spec.OS != nil && pod.Spec.OS.Name == corev1.Windows
}

// PolicyMoved reports whether relabelling a namespace from before to
// after moves its Pod Security policy (its pod-security.kubernetes.io
// labels, as the admission plugin reads them): the only labels of a
// namespace the engine reads.
func PolicyMoved(namespace string, before, after map[string]string) bool {
	return !reflect.DeepEqual(namespacePolicy(namespace, before), namespacePolicy(namespace, after))
}

// Verdict is a pod's Pod Security evaluation in its namespace.
type Verdict struct {
	// Enforced is the namespace's enforce level and version; both levels
	// are evaluated at that version.
	Enforced psaapi.LevelVersion
	// Baseline and Restricted hold the failed checks at each level.
	Baseline, Restricted policy.AggregateCheckResult
	// Enforce is the result at the namespace's enforce level: what the
	// admission plugin would say if the pod were created now.
	Enforce policy.AggregateCheckResult
}

// Admitted reports whether the namespace's enforce level admits the pod.
func (v *Verdict) Admitted() bool { return v.Enforce.Allowed }

// Message is the admission plugin's refusal text for the pod, as
// kube-apiserver words it after `is forbidden: `, or "" when admitted.
func (v *Verdict) Message() string {
	if v.Enforce.Allowed {
		return ""
	}
	return fmt.Sprintf("violates PodSecurity %q: %s", v.Enforced.String(), v.Enforce.ForbiddenDetail())
}

// Evaluate judges a pod against the Pod Security Standards at the version
// its namespace enforces.
func Evaluate(ns *NamespacePolicy, pod *corev1.Pod) Verdict {
	ev, err := evaluator()
	if err != nil {
		// The upstream check registry is validated by its own tests; an
		// error here is a broken build, not bad input.
		panic(fmt.Sprintf("pod security evaluator: %v", err))
	}
	v := Verdict{Enforced: ns.Policy.Enforce}
	version := ns.Policy.Enforce.Version
	v.Restricted = policy.AggregateCheckResults(ev.EvaluatePod(psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: version}, &pod.ObjectMeta, &pod.Spec))
	if v.Restricted.Allowed && !windows(pod) {
		// Restricted runs every baseline check, or a stricter one in its
		// place (a check's OverrideCheckIDs): a pod it admits, baseline
		// admits, and every check allowed aggregates to this. Not so for
		// a Windows pod: from v1.25 the restricted seccomp and
		// capabilities checks, which stand in for baseline's, let it
		// through (API validation refuses what they would), where
		// baseline's refuse an unconfined profile or an added capability.
		v.Baseline = policy.AggregateCheckResult{Allowed: true}
	} else {
		v.Baseline = policy.AggregateCheckResults(ev.EvaluatePod(psaapi.LevelVersion{Level: psaapi.LevelBaseline, Version: version}, &pod.ObjectMeta, &pod.Spec))
	}
	v.enforce()
	return v
}

// enforce sets the result at the enforce level from the results at both.
func (v *Verdict) enforce() {
	switch v.Enforced.Level {
	case psaapi.LevelRestricted:
		v.Enforce = v.Restricted
	case psaapi.LevelBaseline:
		v.Enforce = v.Baseline
	default:
		v.Enforce = policy.AggregateCheckResult{Allowed: true}
	}
}

// newestChecks is the newest version the checks were written for: the
// library evaluates any version after it, "latest" included, as it
// (policy.checkRegistry.EvaluatePod).
var newestChecks = sync.OnceValue(func() psaapi.Version {
	var newest psaapi.Version
	for _, c := range policy.DefaultChecks() {
		if last := c.Versions[len(c.Versions)-1].MinimumVersion; newest.Older(last) {
			newest = last
		}
	}
	return newest
})

// evaluatedAs is the version the checks evaluate a pod at when asked for v.
func evaluatedAs(v psaapi.Version) psaapi.Version {
	if newest := newestChecks(); newest.Older(v) {
		return newest
	}
	return v
}

// Reverdict is Evaluate of a pod in ns whose verdict in its namespace
// before was v, without evaluating the pod again: when the checks
// evaluate at the same version under both policies, only the enforce
// level moved. It reports false when the versions differ: the pod must
// be evaluated again.
func (v Verdict) Reverdict(ns *NamespacePolicy) (Verdict, bool) {
	if evaluatedAs(v.Enforced.Version) != evaluatedAs(ns.Policy.Enforce.Version) {
		return Verdict{}, false
	}
	out := Verdict{Enforced: ns.Policy.Enforce, Baseline: v.Baseline, Restricted: v.Restricted}
	out.enforce()
	return out, true
}
