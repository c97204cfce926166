package podgen

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/pod-security-admission/policy"
)

// Every Pod Security check, at every one of its versions, passes on some
// generated pod and fails on another: the oracle exercises them all.
func TestPodsCoverEveryCheck(t *testing.T) {
	pods := Pods(1, 240)
	if len(pods) < 240 {
		t.Fatalf("%d pods, want at least 240", len(pods))
	}
	for _, c := range policy.DefaultChecks() {
		for _, v := range c.Versions {
			pass, fail := 0, 0
			for i := range pods {
				if v.CheckPod(&pods[i].ObjectMeta, &pods[i].Spec).Allowed {
					pass++
				} else {
					fail++
				}
			}
			if pass == 0 || fail == 0 {
				t.Errorf("check %s (from %s): %d pods pass, %d fail; want both", c.ID, v.MinimumVersion, pass, fail)
			}
		}
	}
}

func TestPodsDeterministic(t *testing.T) {
	if diff := cmp.Diff(Pods(7, 50), Pods(7, 50)); diff != "" {
		t.Errorf("same seed, different pods:\n%s", diff)
	}
	if cmp.Equal(Pods(7, 300)[200:], Pods(8, 300)[200:]) {
		t.Error("different seeds, same random pods")
	}
}
