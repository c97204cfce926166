package netpol

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Analyze compiles the snapshot and reports its network isolation
// findings.
func Analyze(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) []finding.Finding {
	return Compile(snap, opts).Findings(snap, ten)
}

// Findings reports the network isolation findings of the model. snap must
// be the snapshot the model was compiled from.
func (m *Model) Findings(snap *snapshot.Snapshot, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	out = append(out, m.crossTenant(ten)...)
	out = append(out, m.defaultDeny(snap, ten)...)
	out = append(out, m.openRules(snap, ten)...)
	out = append(out, m.metadata(snap, ten)...)
	out = append(out, m.dnsBlocked(ten)...)
	out = append(out, m.hostNetwork(ten)...)
	finding.Sort(out)
	return out
}

func podRef(id string) finding.Ref {
	ns, name, _ := strings.Cut(id, "/")
	return finding.Ref{Kind: "Pod", Namespace: ns, Name: name}
}

func ruleObject(r RuleRef) finding.Ref {
	return finding.Ref{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
}

// witness turns a verdict into witness steps and the objects involved.
func (m *Model) witness(v Verdict) ([]finding.Step, []finding.Ref) {
	var steps []finding.Step
	var objs []finding.Ref
	seen := map[string]bool{}
	side := func(pod string, dir string, s Side) {
		subject := finding.Ref{Kind: "Address", Name: pod}
		if strings.Contains(pod, "/") {
			subject = m.podObject(pod)
		}
		steps = append(steps, finding.Step{Object: subject, Fact: dir + ": " + s.Reason})
		for _, r := range s.Rules {
			ref := ruleObject(r)
			steps = append(steps, finding.Step{Object: ref, Fact: r.String()})
			if !seen[ref.String()] {
				seen[ref.String()] = true
				objs = append(objs, ref)
			}
		}
	}
	side(v.From, "egress", v.Egress)
	side(v.To, "ingress", v.Ingress)
	return steps, objs
}

// pairWitness explains class s reaching class d on its first allowed port.
func (m *Model) pairWitness(s, d int) (Verdict, []PortRange) {
	ports := m.classPorts(s, d)
	src, dst := m.representative(s), m.representative(d)
	pi, port := witnessPort(ports, dst.pod)
	return m.verdict(src, dst, pi, port), ports
}

// representative is the endpoint a class is shown by: its first pod, or
// its address range.
func (m *Model) representative(c int) resolved {
	if c >= m.nPod {
		return resolved{class: c, name: m.classes[c].External}
	}
	p := &m.pods[m.classes[c].podIdx[0]]
	return resolved{class: c, pod: p, name: p.id()}
}

// Witness explains why class src reaches class dst: the verdict, with the
// deciding rules on each side, between their representative endpoints on
// the first allowed port (a port the destination declares when it can),
// and every allowed port. ok is false when src reaches dst on no port.
func (m *Model) Witness(src, dst ClassID) (v Verdict, ports []PortRange, ok bool) {
	s, d := int(src), int(dst)
	if s < 0 || d < 0 || s >= len(m.classes) || d >= len(m.classes) || !m.Reaches(src, dst) {
		return Verdict{}, nil, false
	}
	v, ports = m.pairWitness(s, d)
	return v, ports, true
}

// witnessPort picks the port a witness shows: a port the destination
// declares, else TCP 80 or 443, else the first allowed port.
func witnessPort(ports []PortRange, dst *podInfo) (int, int32) {
	in := func(proto corev1.Protocol, p int32) bool {
		for _, r := range ports {
			if r.Protocol == proto && r.Start <= p && p <= r.End {
				return true
			}
		}
		return false
	}
	if dst != nil && dst.pod != nil {
		for _, c := range dst.pod.Spec.Containers {
			for _, cp := range c.Ports {
				proto := ptrOr(&cp.Protocol, corev1.ProtocolTCP)
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				if in(proto, cp.ContainerPort) {
					return protoIndex(proto), cp.ContainerPort
				}
			}
		}
	}
	for _, p := range []int32{80, 443} {
		if in(corev1.ProtocolTCP, p) {
			return 0, p
		}
	}
	return protoIndex(ports[0].Protocol), ports[0].Start
}

// podObject names a pod for a finding: the pod, or for a representative
// pod the workload controller whose template it stands for.
func (m *Model) podObject(id string) finding.Ref {
	id = strings.Fields(id)[0]
	if i, ok := m.podIndex[id]; ok {
		p := &m.pods[i]
		if p.synthetic {
			kind, name := snapshot.Workload(p.pod)
			return finding.Ref{Kind: kind, Namespace: p.ns, Name: name}
		}
	}
	return podRef(id)
}

// describePod is a pod's name for text, saying when it stands for a
// workload controller's pods.
func (m *Model) describePod(id string) string {
	if i, ok := m.podIndex[strings.Fields(id)[0]]; ok && m.pods[i].synthetic {
		return id + " (representative of " + m.pods[i].pod.Annotations[snapshot.SyntheticAnnotation] + ")"
	}
	return id
}
