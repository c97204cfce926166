package node

import (
	"reflect"
	"testing"

	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/node/podgen"
)

// TestReverdictIsEvaluate: moving a pod's verdict to another namespace
// policy without evaluating it again gives what Evaluate gives under that
// policy, for every pair of levels and versions where the checks
// evaluate at the same version, and refuses where they do not; pairs of
// both kinds occur, and some pod's results differ across the versions
// refused, so a Reverdict that accepted them would fail.
func TestReverdictIsEvaluate(t *testing.T) {
	newest := newestChecks()
	versions := map[string]psaapi.Version{
		"latest": psaapi.LatestVersion(),
		"newest": newest,
		"later":  psaapi.MajorMinorVersion(newest.Major(), newest.Minor()+3),
		"v1.0":   psaapi.MajorMinorVersion(1, 0),
		"v1.22":  psaapi.MajorMinorVersion(1, 22),
	}
	levels := []psaapi.Level{psaapi.LevelPrivileged, psaapi.LevelBaseline, psaapi.LevelRestricted}
	var policies []NamespacePolicy
	for name, v := range versions {
		for _, l := range levels {
			policies = append(policies, NamespacePolicy{Namespace: string(l) + "@" + name, Policy: psaapi.Policy{Enforce: psaapi.LevelVersion{Level: l, Version: v}}})
		}
	}
	moved, refused, differs := 0, 0, 0
	for _, pod := range podgen.Pods(1, 300) {
		for i := range policies {
			before := Evaluate(&policies[i], &pod)
			for j := range policies {
				want := Evaluate(&policies[j], &pod)
				got, ok := before.Reverdict(&policies[j])
				if !ok {
					refused++
					if !reflect.DeepEqual(before.Baseline, want.Baseline) || !reflect.DeepEqual(before.Restricted, want.Restricted) {
						differs++
					}
					continue
				}
				moved++
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("pod %s from %s to %s: Reverdict %+v, Evaluate %+v", pod.Name, policies[i].Namespace, policies[j].Namespace, got, want)
				}
			}
		}
	}
	t.Logf("%d verdicts moved, %d refused (%d of them would differ)", moved, refused, differs)
	if moved == 0 || refused == 0 || differs == 0 {
		t.Errorf("moved %d, refused %d, differing %d: the test needs all three", moved, refused, differs)
	}
}
