package netpol

import (
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	anp "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

func (b *builder) anpPorts(ports *[]anp.AdminNetworkPolicyPort) portSpec {
	if ports == nil || len(*ports) == 0 {
		return portSpec{all: true}
	}
	var s portSpec
	for _, p := range *ports {
		switch {
		case p.PortNumber != nil:
			if pi := protoIndex(p.PortNumber.Protocol); pi >= 0 {
				s.ranges = append(s.ranges, portRange{pi, p.PortNumber.Port, p.PortNumber.Port})
			}
		case p.PortRange != nil:
			if pi := protoIndex(p.PortRange.Protocol); pi >= 0 {
				s.ranges = append(s.ranges, portRange{pi, p.PortRange.Start, p.PortRange.End})
			}
		case p.NamedPort != nil:
			// A named port matches the container port of that name,
			// whatever its protocol.
			for pi := range Protocols {
				n := namedPort{*p.NamedPort, pi}
				s.named = append(s.named, n)
				b.named[n] = true
			}
		}
	}
	b.ranges = append(b.ranges, s.ranges...)
	return s
}

func (b *builder) anpSubject(s anp.AdminNetworkPolicySubject) []int {
	switch {
	case s.Namespaces != nil:
		return []int{b.podsWhere(s.Namespaces, nil)}
	case s.Pods != nil:
		return []int{b.podsWhere(&s.Pods.NamespaceSelector, &s.Pods.PodSelector)}
	}
	return nil
}

func (b *builder) anpPeer(pd *pending, ns *metav1.LabelSelector, pods *anp.NamespacedPod, nodes *metav1.LabelSelector, networks []anp.CIDR) {
	switch {
	case ns != nil:
		pd.atoms = append(pd.atoms, b.podsWhere(ns, nil))
	case pods != nil:
		pd.atoms = append(pd.atoms, b.podsWhere(&pods.NamespaceSelector, &pods.PodSelector))
	case nodes != nil:
		pd.atoms = append(pd.atoms, b.nodesWhere(nodes))
	case len(networks) > 0:
		for _, c := range networks {
			blk, err := parseIPBlock(string(c), nil)
			if err != nil {
				b.m.problem(pd.r, err.Error())
				continue
			}
			id := b.inNetwork(blk)
			b.atoms[id].rules = append(b.atoms[id].rules, pd.r)
			pd.atoms = append(pd.atoms, id)
		}
	}
}

func (b *builder) compileAdmin() []pending {
	var out []pending
	anps := append([]anp.AdminNetworkPolicy(nil), b.snap.AdminNetworkPolicies...)
	sort.SliceStable(anps, func(i, j int) bool {
		if anps[i].Spec.Priority != anps[j].Spec.Priority {
			return anps[i].Spec.Priority < anps[j].Spec.Priority
		}
		return anps[i].Name < anps[j].Name
	})
	for i := range anps {
		a := &anps[i]
		p := &policy{tier: tierAdmin, name: a.Name, priority: a.Spec.Priority}
		b.m.policies = append(b.m.policies, p)
		b.m.subjects = append(b.m.subjects, subjectAtoms{p, b.anpSubject(a.Spec.Subject)})
		for j, r := range a.Spec.Ingress {
			out = append(out, b.tierRule(p, dirIngress, j, r.Name, string(r.Action), r.Ports, func(pd *pending) {
				for _, peer := range r.From {
					b.anpPeer(pd, peer.Namespaces, peer.Pods, nil, nil)
				}
			}))
		}
		for j, r := range a.Spec.Egress {
			out = append(out, b.tierRule(p, dirEgress, j, r.Name, string(r.Action), r.Ports, func(pd *pending) {
				for _, peer := range r.To {
					b.anpPeer(pd, peer.Namespaces, peer.Pods, peer.Nodes, peer.Networks)
				}
			}))
		}
	}
	// BaselineAdminNetworkPolicy is a singleton named "default"; others
	// are refused by the API server and ignored here.
	for i := range b.snap.BaselineAdminNetworkPolicies {
		bp := &b.snap.BaselineAdminNetworkPolicies[i]
		if bp.Name != "default" {
			b.m.problems = append(b.m.problems, "BaselineAdminNetworkPolicy "+bp.Name+": ignored, only \"default\" is honoured")
			continue
		}
		p := &policy{tier: tierBaseline, name: bp.Name}
		b.m.policies = append(b.m.policies, p)
		b.m.subjects = append(b.m.subjects, subjectAtoms{p, b.anpSubject(bp.Spec.Subject)})
		for j, r := range bp.Spec.Ingress {
			out = append(out, b.tierRule(p, dirIngress, j, r.Name, string(r.Action), r.Ports, func(pd *pending) {
				for _, peer := range r.From {
					b.anpPeer(pd, peer.Namespaces, peer.Pods, nil, nil)
				}
			}))
		}
		for j, r := range bp.Spec.Egress {
			out = append(out, b.tierRule(p, dirEgress, j, r.Name, string(r.Action), r.Ports, func(pd *pending) {
				for _, peer := range r.To {
					b.anpPeer(pd, peer.Namespaces, peer.Pods, peer.Nodes, peer.Networks)
				}
			}))
		}
	}
	return out
}

// tierRule adds one admin or baseline rule to p; peers fills in its peers.
func (b *builder) tierRule(p *policy, dir direction, index int, name, act string, ports *[]anp.AdminNetworkPolicyPort, peers func(*pending)) pending {
	rl := &rule{policy: p, dir: dir, index: index, name: name, action: anpAction(act), ports: b.anpPorts(ports)}
	p.rules = append(p.rules, rl)
	pd := pending{r: rl}
	peers(&pd)
	return pd
}

func anpAction(a string) action {
	switch a {
	case "Allow":
		return actAllow
	case "Pass":
		return actPass
	}
	return actDeny
}
