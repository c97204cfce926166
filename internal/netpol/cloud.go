package netpol

import (
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// Cloud says why bulkhead believes the nodes run on a cloud whose instance
// metadata service answers at 169.254.169.254.
type Cloud struct {
	// Provider is the cloud ("aws", "gce", "azure", ...), or "" when only
	// a generic cloud label was seen or the user said so.
	Provider string
	// Node is the node the evidence is from; "" when forced by
	// Options.Cloud.
	Node string
	// Evidence is the field or label that shows it.
	Evidence string
}

// metadataProviders are the spec.providerID schemes of clouds that serve
// instance metadata at 169.254.169.254.
var metadataProviders = []string{"aws", "azure", "digitalocean", "gce", "hcloud", "ibm", "linode", "oci", "openstack", "vultr"}

// cloudLabels are node labels that only a cloud provider's node
// controller or managed node pools set: an exact key, or a prefix when it
// ends in "/".
var cloudLabels = []struct{ key, provider string }{
	{"eks.amazonaws.com/", "aws"},
	{"cloud.google.com/", "gce"},
	{"kubernetes.azure.com/", "azure"},
	{corev1.LabelTopologyRegion, ""},
	{corev1.LabelInstanceTypeStable, ""},
	{corev1.LabelFailureDomainBetaRegion, ""},
	{corev1.LabelInstanceType, ""},
}

// onPremises are label values that distributions set on machines of their
// own (k3s and RKE2 fill in the instance type).
var onPremises = map[string]bool{"k3s": true, "rke2": true}

// DetectCloud reports whether the snapshot's nodes run on a cloud with an
// instance metadata service: from a node's spec.providerID scheme (aws://,
// gce://, azure://, ...), else from a label only cloud node pools carry.
// Nodes are read in name order; the first evidence wins. Without nodes
// the answer is no.
func DetectCloud(snap *snapshot.Snapshot) (Cloud, bool) {
	nodes := make([]*corev1.Node, 0, len(snap.Nodes))
	for i := range snap.Nodes {
		nodes = append(nodes, &snap.Nodes[i])
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	for _, n := range nodes {
		scheme, _, ok := strings.Cut(n.Spec.ProviderID, "://")
		if ok && slices.Contains(metadataProviders, strings.ToLower(scheme)) {
			return Cloud{Provider: strings.ToLower(scheme), Node: n.Name, Evidence: "spec.providerID: " + n.Spec.ProviderID}, true
		}
	}
	for _, n := range nodes {
		keys := make([]string, 0, len(n.Labels))
		for k := range n.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, l := range cloudLabels {
			for _, k := range keys {
				match := k == l.key || (strings.HasSuffix(l.key, "/") && strings.HasPrefix(k, l.key))
				if match && !onPremises[n.Labels[k]] {
					return Cloud{Provider: l.provider, Node: n.Name, Evidence: "label " + k + "=" + n.Labels[k]}, true
				}
			}
		}
	}
	return Cloud{}, false
}

// cloud decides whether BH-NET-006 applies: forced by Options.Cloud, or
// detected from the nodes.
func (m *Model) cloud(snap *snapshot.Snapshot) (Cloud, bool) {
	if c, ok := DetectCloud(snap); ok {
		return c, true
	}
	if m.opts.Cloud {
		return Cloud{Evidence: "--cloud: the nodes are said to run on a cloud"}, true
	}
	return Cloud{}, false
}

// step is the witness step naming the evidence.
func (c Cloud) step() finding.Step {
	if c.Node == "" {
		return finding.Step{Object: finding.Ref{Kind: "Option", Name: "cloud"}, Fact: c.Evidence}
	}
	return finding.Step{Object: finding.Ref{Kind: "Node", Name: c.Node}, Fact: c.Evidence}
}

// text says which cloud, for a finding's detail.
func (c Cloud) text() string {
	switch {
	case c.Node == "":
		return "The nodes are taken to run on a cloud (--cloud)."
	case c.Provider == "":
		return "Node " + c.Node + " runs on a cloud (" + c.Evidence + ")."
	}
	return "Node " + c.Node + " runs on " + c.Provider + " (" + c.Evidence + ")."
}
