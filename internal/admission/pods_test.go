package admission

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPodFix: a pod's fix says what to do with each field at its worst
// reach, and names the Pod Security level that would refuse it: NET_RAW is
// dropped (baseline keeps it, restricted refuses containers that do not
// drop ALL); baseline only where it refuses the pod and the namespace
// enforces less; no level for what Pod Security does not check.
func TestPodFix(t *testing.T) {
	a := fixture(t, Config{})
	const cluster = "workloads that need them belong in a namespace of the cluster tenant"
	cases := []struct {
		name, manifest, namespace string
		want                      string
	}{
		{"NET_RAW kept", nginx, "a-web",
			"add NET_RAW (or ALL) to spec.containers[web].securityContext.capabilities.drop; namespace a-web should enforce Pod Security restricted where its workloads allow (pod-security.kubernetes.io/enforce=restricted refuses containers that do not drop ALL; baseline keeps NET_RAW)"},
		{"NET_RAW kept where baseline is enforced", nginx, "b-strict",
			"add NET_RAW (or ALL) to spec.containers[web].securityContext.capabilities.drop; namespace b-strict should enforce Pod Security restricted where its workloads allow (pod-security.kubernetes.io/enforce=restricted refuses containers that do not drop ALL; baseline keeps NET_RAW)"},
		{"NET_RAW with hostNetwork", hostNet, "a-web",
			"add NET_RAW (or ALL) to spec.containers[s].securityContext.capabilities.drop and remove the other fields; " + cluster + ", and namespace a-web should enforce Pod Security baseline (pod-security.kubernetes.io/enforce=baseline)"},
		{"pinned to a node, NET_RAW kept", pinned, "a-web",
			"add NET_RAW (or ALL) to spec.containers[s].securityContext.capabilities.drop and remove the other fields; " + cluster + ", and namespace a-web should enforce Pod Security restricted where its workloads allow (pod-security.kubernetes.io/enforce=restricted refuses containers that do not drop ALL; baseline keeps NET_RAW)"},
		{"hostPath volume through a claim, which Pod Security misses", claimsRoot, "b-app",
			"remove these fields; " + cluster},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := decode(t, c.manifest)
			obj.(interface{ SetNamespace(string) }).SetNamespace(c.namespace)
			d := a.Decide(request(Create, obj, nil))
			if len(d.Violations) != 1 {
				t.Fatalf("violations = %+v, want one", d.Violations)
			}
			if diff := cmp.Diff(c.want, d.Violations[0].Fix); diff != "" {
				t.Errorf("fix (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("privileged", func(t *testing.T) {
		d := a.Decide(request(Create, busybox(t, "a-web"), nil))
		want := "remove these fields; " + cluster + ", and namespace a-web should enforce Pod Security baseline (pod-security.kubernetes.io/enforce=baseline)"
		if len(d.Violations) != 1 || d.Violations[0].Fix != want {
			t.Errorf("violations = %+v, want one whose fix is %q", d.Violations, want)
		}
	})
}
