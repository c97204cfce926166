package node

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/bulkhead-dev/bulkhead/internal/node/podgen"
)

// TestReverdictIsEvaluate: moving a pod's verdict to another namespace
// policy without evaluating it again gives what Evaluate gives under that
// policy, for every pair of levels and of versions from v1.0 to past the
// newest the checks know (and latest); it moves every pair the checks
// evaluate at the same version (latest and every version from the newest
// on), and refuses the others, among which some pod's results differ.
func TestReverdictIsEvaluate(t *testing.T) {
	newest := newestChecks()
	type version struct {
		v psaapi.Version
		// same is set for the versions the checks evaluate as the newest.
		same bool
	}
	versions := []version{{psaapi.LatestVersion(), true}}
	for minor := 0; minor <= newest.Minor()+2; minor++ {
		versions = append(versions, version{psaapi.MajorMinorVersion(1, minor), minor >= newest.Minor()})
	}
	type policyAt struct {
		p    NamespacePolicy
		same bool
	}
	var policies []policyAt
	for _, v := range versions {
		for _, l := range []psaapi.Level{psaapi.LevelPrivileged, psaapi.LevelBaseline, psaapi.LevelRestricted} {
			policies = append(policies, policyAt{NamespacePolicy{Namespace: string(l) + "@" + v.v.String(),
				Policy: psaapi.Policy{Enforce: psaapi.LevelVersion{Level: l, Version: v.v}}}, v.same})
		}
	}
	moved, refused, differs := 0, 0, 0
	verdicts := make([]Verdict, len(policies))
	for _, pod := range podgen.Pods(1, 300) {
		for i := range policies {
			verdicts[i] = Evaluate(&policies[i].p, &pod)
		}
		for i := range policies {
			for j := range policies {
				got, ok := verdicts[i].Reverdict(&policies[j].p)
				sameVersion := policies[i].p.Policy.Enforce.Version == policies[j].p.Policy.Enforce.Version
				if want := sameVersion || policies[i].same && policies[j].same; ok != want {
					t.Fatalf("pod %s from %s to %s: moved %v, want %v", pod.Name, policies[i].p.Namespace, policies[j].p.Namespace, ok, want)
				}
				if !ok {
					refused++
					if !reflect.DeepEqual(verdicts[i].Baseline, verdicts[j].Baseline) || !reflect.DeepEqual(verdicts[i].Restricted, verdicts[j].Restricted) {
						differs++
					}
					continue
				}
				moved++
				if !reflect.DeepEqual(got, verdicts[j]) {
					t.Fatalf("pod %s from %s to %s: Reverdict %+v, Evaluate %+v", pod.Name, policies[i].p.Namespace, policies[j].p.Namespace, got, verdicts[j])
				}
			}
		}
	}
	t.Logf("%d verdicts moved, %d refused (%d of them would differ)", moved, refused, differs)
	if differs == 0 {
		t.Error("no refused pair differs: the test cannot tell a Reverdict that moves too much")
	}
}

// TestEvaluateIsBothLevels: Evaluate, which takes a pod restricted admits
// as one baseline admits without running the baseline checks, gives what
// the library gives at both levels, for pods of every kind at every
// version from v1.0 to past the newest the checks know.
func TestEvaluateIsBothLevels(t *testing.T) {
	ev, err := evaluator()
	if err != nil {
		t.Fatal(err)
	}
	versions := []psaapi.Version{psaapi.LatestVersion()}
	newest := newestChecks()
	for minor := 0; minor <= newest.Minor()+2; minor++ {
		versions = append(versions, psaapi.MajorMinorVersion(1, minor))
	}
	// Each pod also as a Windows pod: from v1.25, restricted exempts it
	// from checks that baseline's stand-ins do not.
	var pods []corev1.Pod
	for _, pod := range podgen.Pods(7, 2000) {
		win := *pod.DeepCopy()
		win.Name += "-windows"
		win.Spec.OS = &corev1.PodOS{Name: corev1.Windows}
		pods = append(pods, pod, win)
	}
	skipped, baselineRefuses, windowsSplit := 0, 0, 0
	for _, pod := range pods {
		for _, v := range versions {
			ns := NamespacePolicy{Policy: psaapi.Policy{Enforce: psaapi.LevelVersion{Level: psaapi.LevelBaseline, Version: v}}}
			got := Evaluate(&ns, &pod)
			want := Verdict{Enforced: ns.Policy.Enforce,
				Baseline:   policy.AggregateCheckResults(ev.EvaluatePod(psaapi.LevelVersion{Level: psaapi.LevelBaseline, Version: v}, &pod.ObjectMeta, &pod.Spec)),
				Restricted: policy.AggregateCheckResults(ev.EvaluatePod(psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: v}, &pod.ObjectMeta, &pod.Spec))}
			want.enforce()
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("pod %s at %s: Evaluate %+v, the library %+v", pod.Name, v, got, want)
			}
			if want.Restricted.Allowed {
				skipped++
				if !want.Baseline.Allowed {
					windowsSplit++
				}
			}
			if !want.Baseline.Allowed {
				baselineRefuses++
			}
		}
	}
	t.Logf("%d evaluations restricted admitted; baseline refused %d, %d of them admitted by restricted", skipped, baselineRefuses, windowsSplit)
	if skipped == 0 || baselineRefuses == 0 || windowsSplit == 0 {
		t.Error("the pods do not reach every side of the shortcut")
	}
}

// PolicyMoved: only the Pod Security labels, as the admission plugin
// reads them, move a namespace's policy.
func TestPolicyMoved(t *testing.T) {
	const enforce, version = "pod-security.kubernetes.io/enforce", "pod-security.kubernetes.io/enforce-version"
	for _, c := range []struct {
		name          string
		before, after map[string]string
		moved         bool
	}{
		{"another label", map[string]string{"team": "a"}, map[string]string{"team": "b", "cost": "1"}, false},
		{"labels added beside the level", map[string]string{enforce: "baseline"}, map[string]string{enforce: "baseline", "team": "b"}, false},
		{"latest named", map[string]string{enforce: "baseline"}, map[string]string{enforce: "baseline", version: "latest"}, false},
		{"level raised", map[string]string{enforce: "baseline"}, map[string]string{enforce: "restricted"}, true},
		{"level set", nil, map[string]string{enforce: "privileged"}, true},
		{"version pinned", map[string]string{enforce: "baseline"}, map[string]string{enforce: "baseline", version: "v1.25"}, true},
		{"a level that is none", map[string]string{enforce: "baseline"}, map[string]string{enforce: "strictest"}, true},
		{"warn level", nil, map[string]string{"pod-security.kubernetes.io/warn": "restricted"}, true},
	} {
		if got := PolicyMoved("ns", c.before, c.after); got != c.moved {
			t.Errorf("%s: PolicyMoved = %v, want %v", c.name, got, c.moved)
		}
	}
}
