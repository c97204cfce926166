package snapshot

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConnectivityGaps(t *testing.T) {
	for _, tc := range []struct {
		name    string
		unknown map[string]int
		already []Gap
		want    []Gap
	}{
		{name: "none", unknown: map[string]int{"example.com/v1/Widget": 2}},
		{
			name:    "cilium policies in two versions add up",
			unknown: map[string]int{"cilium.io/v2/CiliumNetworkPolicy": 2, "cilium.io/v2alpha1/CiliumNetworkPolicy": 1},
			want: []Gap{{Resource: "ciliumnetworkpolicies.cilium.io",
				Reason: "present (3 CiliumNetworkPolicy objects), not modelled: Cilium policy, enforced by the CNI together with NetworkPolicy"}},
		},
		{
			name: "same kind name in different groups is told apart",
			unknown: map[string]int{
				"projectcalico.org/v3/NetworkPolicy":      1,
				"crd.antrea.io/v1beta1/NetworkPolicy":     2,
				"networking.example.com/v1/NetworkPolicy": 5,
			},
			want: []Gap{
				{Resource: "networkpolicies.projectcalico.org", Reason: "present (1 NetworkPolicy object), not modelled: Calico policy, ordered and enforced by the CNI together with NetworkPolicy"},
				{Resource: "networkpolicies.crd.antrea.io", Reason: "present (2 NetworkPolicy objects), not modelled: Antrea policy, tiered and enforced by the CNI before NetworkPolicy"},
			},
		},
		{
			name:    "a core kind of the same name is not a CNI policy",
			unknown: map[string]int{"v1/VirtualMachine": 1, "VirtualMachine": 1},
		},
		{
			name:    "multus and kubevirt",
			unknown: map[string]int{"k8s.cni.cncf.io/v1/NetworkAttachmentDefinition": 1, "k8s.cni.cncf.io/v1beta1/MultiNetworkPolicy": 1, "kubevirt.io/v1/VirtualMachine": 4},
			want: []Gap{
				{Resource: "network-attachment-definitions.k8s.cni.cncf.io", Reason: "present (1 NetworkAttachmentDefinition object), not modelled: Multus secondary network: pods attached to it talk outside NetworkPolicy"},
				{Resource: "multi-networkpolicies.k8s.cni.cncf.io", Reason: "present (1 MultiNetworkPolicy object), not modelled: policy for Multus secondary networks"},
				{Resource: "virtualmachines.kubevirt.io", Reason: "present (4 VirtualMachine objects), not modelled: KubeVirt virtual machine, which may bridge to networks outside the pod network"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Snapshot{Unknown: tc.unknown}
			if d := cmp.Diff(tc.want, s.ConnectivityGaps()); d != "" {
				t.Errorf("gaps (-want +got):\n%s", d)
			}
		})
	}
}

// TestNormalizeNotesConnectivityOnce checks that Normalize records the
// connectivity kinds of offline input as gaps, once however often it runs,
// and keeps a gap already there (a live count read back from a snapshot
// file) instead of adding a second.
func TestNormalizeNotesConnectivityOnce(t *testing.T) {
	live := Gap{Resource: "ciliumclusterwidenetworkpolicies.cilium.io", Reason: "forbidden"}
	s := &Snapshot{
		Unknown: map[string]int{"cilium.io/v2/CiliumNetworkPolicy": 3, "cilium.io/v2/CiliumClusterwideNetworkPolicy": 1, "k8s.ovn.org/v1/UserDefinedNetwork": 1},
		Gaps:    []Gap{live},
	}
	s.Normalize()
	s.Normalize()
	var got []string
	for _, g := range s.Gaps {
		got = append(got, g.Resource+" "+strings.SplitN(g.Reason, ",", 2)[0])
	}
	want := []string{
		"ciliumclusterwidenetworkpolicies.cilium.io forbidden",
		"ciliumnetworkpolicies.cilium.io present (3 CiliumNetworkPolicy objects)",
		"userdefinednetworks.k8s.ovn.org present (1 UserDefinedNetwork object)",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("gaps after Normalize twice (-want +got):\n%s", d)
	}
}

func TestConnectivityKindsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range ConnectivityKinds {
		if k.Group == "" || k.Kind == "" || k.Resource == "" || k.Meaning == "" {
			t.Errorf("incomplete entry %+v", k)
		}
		if seen[k.GapResource()] {
			t.Errorf("%s listed twice", k.GapResource())
		}
		seen[k.GapResource()] = true
	}
	if got := len(ConnectivityResources()); got != len(ConnectivityKinds) {
		t.Errorf("ConnectivityResources has %d names for %d kinds", got, len(ConnectivityKinds))
	}
}
