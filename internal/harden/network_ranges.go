package harden

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// The instance metadata service of the clouds: AWS, GCP, Azure and most
// others answer at 169.254.169.254; AWS also at fd00:ec2::254 on IPv6.
var metadataPrefixes = []netip.Prefix{
	netip.MustParsePrefix("169.254.169.254/32"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// internetBlocks are the ipBlock peers of "egress outside the cluster":
// every address of each family except the metadata service, the pod
// ranges and the service range, so that the rule reaches no pod (with
// network plugins whose ipBlocks match pod addresses) and no node
// credentials. The notes say where the ranges come from, or that the pod
// range is unknown.
func internetBlocks(snap *snapshot.Snapshot, ten *tenancy.Tenancy) (blocks []networkingv1.IPBlock, notes []string, excepts string) {
	pods, from := podRanges(snap, ten)
	if len(pods) == 0 {
		notes = append(notes, "network: the pod address range is unknown (no node has spec.podCIDRs, no kube-controller-manager --cluster-cidr is in the input and no pod off the host network has an IP), so the egress rule to addresses outside the cluster cannot except it: where ipBlocks match pod addresses, tenants reach by address the pods of namespaces that are not isolated for ingress (system and platform namespaces)")
	} else {
		notes = append(notes, fmt.Sprintf("network: pod address range %s (from %s), excepted from egress outside the cluster", joinPrefixes(pods), from))
	}
	svc, svcFrom := serviceRanges(snap, ten)
	if len(svc) > 0 {
		notes = append(notes, fmt.Sprintf("network: service address range %s (%s), excepted from egress outside the cluster", joinPrefixes(svc), svcFrom))
	}
	for _, all := range []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")} {
		var except []netip.Prefix
		for _, p := range append(append(append([]netip.Prefix(nil), metadataPrefixes...), pods...), svc...) {
			if p.Addr().Is4() == all.Addr().Is4() && p.Bits() > 0 {
				except = append(except, p)
			}
		}
		b := networkingv1.IPBlock{CIDR: all.String()}
		for _, p := range collapse(except) {
			if p.Bits() == 0 {
				continue // not a strict subset: the API refuses it
			}
			b.Except = append(b.Except, p.String())
		}
		blocks = append(blocks, b)
	}
	return blocks, notes, exceptsOf(len(pods) > 0, len(svc) > 0)
}

// exceptsOf says what the blocks of internetBlocks leave out of the
// addresses outside the cluster: the metadata service always, the pod and
// service ranges when they are known.
func exceptsOf(podsKnown, servicesKnown bool) string {
	parts := []string{"the metadata service"}
	if podsKnown {
		parts = append(parts, "the pod range")
	}
	if servicesKnown {
		parts = append(parts, "the service range")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// podRanges are the pod address ranges: the nodes' spec.podCIDRs, else
// kube-controller-manager's --cluster-cidr when its pod is in the input,
// else inferred from the pods' IPs (podIPRanges).
func podRanges(snap *snapshot.Snapshot, ten *tenancy.Tenancy) ([]netip.Prefix, string) {
	var out []netip.Prefix
	for _, n := range snap.Nodes {
		cidrs := n.Spec.PodCIDRs
		if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
			cidrs = []string{n.Spec.PodCIDR}
		}
		for _, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil {
				out = append(out, p.Masked())
			}
		}
	}
	if len(out) > 0 {
		return collapse(out), "the nodes' spec.podCIDRs"
	}
	if flag := systemFlag(snap, ten, "--cluster-cidr"); flag != "" {
		return parsePrefixes(flag), "kube-controller-manager --cluster-cidr"
	}
	if out := podIPRanges(snap); len(out) > 0 {
		return out, "the pods' IPs"
	}
	return nil, ""
}

// podIPRanges infers the pod ranges from the addresses of the pods off
// the host network, for network plugins that assign them without the
// nodes' spec.podCIDRs: per family, the smallest range holding them all,
// widened to a /16 for IPv4 and a /112 for IPv6 unless that would take
// in a node's address (which egress outside the cluster may need).
func podIPRanges(snap *snapshot.Snapshot) []netip.Prefix {
	var v4, v6 []netip.Addr
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if p.Spec.HostNetwork {
			continue // a node's address, not a pod's
		}
		ips := []string{p.Status.PodIP}
		for _, ip := range p.Status.PodIPs {
			ips = append(ips, ip.IP)
		}
		for _, ip := range ips {
			a, err := netip.ParseAddr(ip)
			switch {
			case err != nil:
			case a.Unmap().Is4():
				v4 = append(v4, a.Unmap())
			default:
				v6 = append(v6, a)
			}
		}
	}
	var nodes []netip.Addr
	for i := range snap.Nodes {
		for _, na := range snap.Nodes[i].Status.Addresses {
			if a, err := netip.ParseAddr(na.Address); err == nil {
				nodes = append(nodes, a.Unmap())
			}
		}
	}
	var out []netip.Prefix
	for _, fam := range []struct {
		addrs []netip.Addr
		wide  int
	}{{v4, 16}, {v6, 112}} {
		p, ok := covering(fam.addrs, fam.wide)
		if ok && slices.ContainsFunc(nodes, p.Contains) {
			p, ok = covering(fam.addrs, fam.addrs[0].BitLen())
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// serviceRanges is the service address range: kube-apiserver's
// --service-cluster-ip-range when its pod is in the input, else inferred
// from the Services' cluster IPs (the smallest range holding them all,
// widened to a /16 for IPv4 and a /112 for IPv6).
func serviceRanges(snap *snapshot.Snapshot, ten *tenancy.Tenancy) ([]netip.Prefix, string) {
	if flag := systemFlag(snap, ten, "--service-cluster-ip-range"); flag != "" {
		return parsePrefixes(flag), "kube-apiserver --service-cluster-ip-range"
	}
	var v4, v6 []netip.Addr
	for _, s := range snap.Services {
		ips := s.Spec.ClusterIPs
		if len(ips) == 0 && s.Spec.ClusterIP != "" {
			ips = []string{s.Spec.ClusterIP}
		}
		for _, ip := range ips {
			a, err := netip.ParseAddr(ip)
			switch {
			case err != nil:
			case a.Is4():
				v4 = append(v4, a)
			default:
				v6 = append(v6, a)
			}
		}
	}
	var out []netip.Prefix
	if p, ok := covering(v4, 16); ok {
		out = append(out, p)
	}
	if p, ok := covering(v6, 112); ok {
		out = append(out, p)
	}
	return out, "inferred from the Services' cluster IPs"
}

// covering is the longest prefix holding every address, no longer than
// maxBits.
func covering(addrs []netip.Addr, maxBits int) (netip.Prefix, bool) {
	if len(addrs) == 0 {
		return netip.Prefix{}, false
	}
	for bits := maxBits; bits >= 0; bits-- {
		p, _ := addrs[0].Prefix(bits)
		all := true
		for _, a := range addrs[1:] {
			if !p.Contains(a) {
				all = false
				break
			}
		}
		if all {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// systemFlag finds a command-line flag ("--name=value" or "--name value")
// of a container in a system namespace: the control plane's static pods.
func systemFlag(snap *snapshot.Snapshot, ten *tenancy.Tenancy, name string) string {
	for _, p := range snap.Pods {
		if !ten.IsSystem(p.Namespace) {
			continue
		}
		for _, c := range p.Spec.Containers {
			args := append(append([]string(nil), c.Command...), c.Args...)
			for i, a := range args {
				if v, ok := strings.CutPrefix(a, name+"="); ok {
					return v
				}
				if a == name && i+1 < len(args) {
					return args[i+1]
				}
			}
		}
	}
	return ""
}

func parsePrefixes(s string) []netip.Prefix {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if p, err := netip.ParsePrefix(strings.TrimSpace(f)); err == nil {
			out = append(out, p.Masked())
		}
	}
	return collapse(out)
}

// collapse sorts prefixes, drops those inside others and merges sibling
// halves into their parent, so that a node's /24s become one range.
func collapse(in []netip.Prefix) []netip.Prefix {
	ps := append([]netip.Prefix(nil), in...)
	for {
		sort.Slice(ps, func(i, j int) bool {
			if c := ps[i].Addr().Compare(ps[j].Addr()); c != 0 {
				return c < 0
			}
			return ps[i].Bits() < ps[j].Bits()
		})
		var out []netip.Prefix
		for _, p := range ps {
			if len(out) > 0 && out[len(out)-1].Bits() <= p.Bits() && out[len(out)-1].Contains(p.Addr()) {
				continue
			}
			out = append(out, p)
		}
		merged := false
		for i := 0; i+1 < len(out); i++ {
			a, b := out[i], out[i+1]
			if a.Bits() == b.Bits() && a.Bits() > 0 {
				pa, _ := a.Addr().Prefix(a.Bits() - 1)
				if pb, _ := b.Addr().Prefix(b.Bits() - 1); pa == pb {
					out[i] = pa
					out = append(out[:i+1], out[i+2:]...)
					merged = true
				}
			}
		}
		ps = out
		if !merged {
			return ps
		}
	}
}

func joinPrefixes(ps []netip.Prefix) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}
