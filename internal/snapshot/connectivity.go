package snapshot

import (
	"fmt"
	"strings"
)

// ConnectivityKind is an API kind that decides which pods can reach which
// outside the NetworkPolicy and AdminNetworkPolicy APIs bulkhead models: a
// CNI's own policy, or a network that pods join beside the pod network.
// When objects of such a kind exist, a network verdict computed from
// NetworkPolicy alone may be wrong in either direction (a Cilium or Calico
// policy can allow what NetworkPolicy denies, and deny what it allows), so
// the network analysis is incomplete.
type ConnectivityKind struct {
	// Group is the API group ("cilium.io").
	Group string
	// Kind is the object kind ("CiliumNetworkPolicy").
	Kind string
	// Resource is the plural resource name ("ciliumnetworkpolicies").
	Resource string
	// Meaning says in a few words what the objects do to connectivity.
	Meaning string
}

// GapResource is the kind's name in snapshot Gaps and in an analysis's
// Needs: "resource.group".
func (k ConnectivityKind) GapResource() string { return k.Resource + "." + k.Group }

// Gap is what a snapshot records when n objects of the kind exist.
func (k ConnectivityKind) Gap(n int) Gap {
	objects := "objects"
	if n == 1 {
		objects = "object"
	}
	return Gap{Resource: k.GapResource(), Reason: fmt.Sprintf("present (%d %s %s), not modelled: %s", n, k.Kind, objects, k.Meaning)}
}

// ConnectivityKinds lists the kinds, beside NetworkPolicy and
// AdminNetworkPolicy, that change pod connectivity. A live load lists them
// when the server serves them; offline input counts them among the unknown
// kinds.
var ConnectivityKinds = []ConnectivityKind{
	{Group: "cilium.io", Kind: "CiliumNetworkPolicy", Resource: "ciliumnetworkpolicies",
		Meaning: "Cilium policy, enforced by the CNI together with NetworkPolicy"},
	{Group: "cilium.io", Kind: "CiliumClusterwideNetworkPolicy", Resource: "ciliumclusterwidenetworkpolicies",
		Meaning: "cluster-wide Cilium policy, enforced by the CNI together with NetworkPolicy"},
	{Group: "projectcalico.org", Kind: "NetworkPolicy", Resource: "networkpolicies",
		Meaning: "Calico policy, ordered and enforced by the CNI together with NetworkPolicy"},
	{Group: "projectcalico.org", Kind: "GlobalNetworkPolicy", Resource: "globalnetworkpolicies",
		Meaning: "cluster-wide Calico policy, ordered and enforced by the CNI together with NetworkPolicy"},
	{Group: "crd.projectcalico.org", Kind: "NetworkPolicy", Resource: "networkpolicies",
		Meaning: "Calico policy (CRD storage), enforced by the CNI together with NetworkPolicy"},
	{Group: "crd.projectcalico.org", Kind: "GlobalNetworkPolicy", Resource: "globalnetworkpolicies",
		Meaning: "cluster-wide Calico policy (CRD storage), enforced by the CNI together with NetworkPolicy"},
	{Group: "crd.antrea.io", Kind: "NetworkPolicy", Resource: "networkpolicies",
		Meaning: "Antrea policy, tiered and enforced by the CNI before NetworkPolicy"},
	{Group: "crd.antrea.io", Kind: "ClusterNetworkPolicy", Resource: "clusternetworkpolicies",
		Meaning: "cluster-wide Antrea policy, tiered and enforced by the CNI before NetworkPolicy"},
	{Group: "k8s.ovn.org", Kind: "UserDefinedNetwork", Resource: "userdefinednetworks",
		Meaning: "OVN-Kubernetes network that pods of a namespace join instead of, or beside, the pod network"},
	{Group: "k8s.ovn.org", Kind: "ClusterUserDefinedNetwork", Resource: "clusteruserdefinednetworks",
		Meaning: "OVN-Kubernetes network shared by the namespaces it selects, outside the pod network"},
	{Group: "k8s.cni.cncf.io", Kind: "NetworkAttachmentDefinition", Resource: "network-attachment-definitions",
		Meaning: "Multus secondary network: pods attached to it talk outside NetworkPolicy"},
	{Group: "k8s.cni.cncf.io", Kind: "MultiNetworkPolicy", Resource: "multi-networkpolicies",
		Meaning: "policy for Multus secondary networks"},
	{Group: "kubevirt.io", Kind: "VirtualMachine", Resource: "virtualmachines",
		Meaning: "KubeVirt virtual machine, which may bridge to networks outside the pod network"},
}

// ConnectivityResources returns the Gap names of every connectivity kind,
// for the network analysis's Needs.
func ConnectivityResources() []string {
	out := make([]string, len(ConnectivityKinds))
	for i, k := range ConnectivityKinds {
		out[i] = k.GapResource()
	}
	return out
}

// ConnectivityGaps returns a gap for each connectivity kind that the
// snapshot's unknown kinds count (offline input keeps them there, by
// "apiVersion/kind", whatever the version), in table order.
func (s *Snapshot) ConnectivityGaps() []Gap {
	counts := make([]int, len(ConnectivityKinds))
	for key, n := range s.Unknown {
		if i := connectivityIndex(key); i >= 0 {
			counts[i] += n
		}
	}
	var out []Gap
	for i, k := range ConnectivityKinds {
		if counts[i] > 0 {
			out = append(out, k.Gap(counts[i]))
		}
	}
	return out
}

// NoteConnectivity records ConnectivityGaps, keeping any gap already
// recorded for the same resource (a live count, or one read back from a
// snapshot file), so that it is idempotent.
func (s *Snapshot) NoteConnectivity() {
	for _, g := range s.ConnectivityGaps() {
		if !s.HasGap(g.Resource) {
			s.Gaps = append(s.Gaps, g)
		}
	}
}

// IsConnectivity reports whether an unknown kind's key ("cilium.io/v2/
// CiliumNetworkPolicy") is a connectivity kind, one that decides who
// reaches whom beside NetworkPolicy.
func IsConnectivity(key string) bool { return connectivityIndex(key) >= 0 }

// connectivityIndex is the place in ConnectivityKinds of an unknown kind's
// key, whatever its version, -1 for none.
func connectivityIndex(key string) int {
	group, kind := splitUnknown(key)
	for i, k := range ConnectivityKinds {
		if k.Group == group && k.Kind == kind {
			return i
		}
	}
	return -1
}

// splitUnknown splits an Unknown key, "group/version/Kind" or "v1/Kind",
// into the group and the kind.
func splitUnknown(key string) (group, kind string) {
	i := strings.LastIndex(key, "/")
	if i < 0 {
		return "", key
	}
	apiVersion, kind := key[:i], key[i+1:]
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g, kind
	}
	return "", kind
}
