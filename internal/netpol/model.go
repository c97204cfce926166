package netpol

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
)

// Options change implementation-defined parts of the semantics.
type Options struct {
	// IPBlockMatchesPods makes ipBlock peers match pod IPs, as the upstream
	// e2e suite expects. DefaultOptions turns it on; the zero Options does
	// not.
	IPBlockMatchesPods bool
	// Cloud says the nodes run on a cloud with an instance metadata
	// service, whatever the snapshot's nodes show (BH-NET-006 is otherwise
	// reported only when DetectCloud finds a cloud in the nodes).
	Cloud bool
}

// DefaultOptions are the semantics bulkhead reports by default.
func DefaultOptions() Options { return Options{IPBlockMatchesPods: true} }

// ClassID indexes Model.Classes.
type ClassID int

// Class is a set of endpoints that every policy treats alike. Pod classes
// never span namespaces; an external class is a range of addresses outside
// the pods.
type Class struct {
	ID        ClassID `json:"id"`
	Namespace string  `json:"namespace,omitempty"`
	// Pods lists "namespace/name" of the members, sorted.
	Pods []string `json:"pods,omitempty"`
	// HostNetwork classes hold pods on their node's network namespace.
	HostNetwork bool `json:"hostNetwork,omitempty"`
	// External is the address range of an external class.
	External string `json:"external,omitempty"`

	podIdx []int
	ext    ipRange
	named  map[namedPort]int32
	dns    bool // cluster DNS pods
	api    bool // pods at an address of the API server
}

// IsExternal reports whether the class stands for addresses outside the pods.
func (c *Class) IsExternal() bool { return c.External != "" }

type podInfo struct {
	ns, name  string
	labels    map[string]string
	ips       []netip.Addr
	node      string
	host      bool
	synthetic bool
	dns       bool // a cluster DNS pod
	api       bool // at an address the API server answers on
	named     map[namedPort]int32
	class     int
	pod       *corev1.Pod
	index     int // in the snapshot's Pods
}

func (p *podInfo) id() string { return p.ns + "/" + p.name }

type action int

const (
	actAllow action = iota
	actDeny
	actPass
)

func (a action) String() string { return [...]string{"Allow", "Deny", "Pass"}[a] }

type tier int

const (
	tierAdmin tier = iota
	tierNetworkPolicy
	tierBaseline
)

type direction int

const (
	dirIngress direction = iota
	dirEgress
)

func (d direction) String() string { return [...]string{"ingress", "egress"}[d] }

// policy is a compiled NetworkPolicy, AdminNetworkPolicy or
// BaselineAdminNetworkPolicy.
type policy struct {
	tier      tier
	namespace string
	name      string
	priority  int32
	subject   bitset
	ingress   bool // NetworkPolicy: selected pods are isolated for ingress
	egress    bool
	rules     []*rule
}

func (p *policy) kind() string {
	return [...]string{"AdminNetworkPolicy", "NetworkPolicy", "BaselineAdminNetworkPolicy"}[p.tier]
}

// rule is one ingress or egress rule.
type rule struct {
	policy *policy
	dir    direction
	index  int
	name   string
	action action
	peers  bitset
	// sparse lists the peers when they are few, so adding them to a row
	// costs their number, not the row's width.
	sparse []int32
	ports  portSpec
	id     int
	// ipDep are the rule's address blocks that some pod without a known
	// address might fall in.
	ipDep []*atom
}

// RuleRef names one rule of one policy: the witness of a verdict.
type RuleRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Direction string `json:"direction"`
	// Index is the rule's position in the policy's ingress or egress list,
	// from 0; -1 when the policy is cited for isolating without a rule.
	Index    int    `json:"index"`
	RuleName string `json:"ruleName,omitempty"`
	Action   string `json:"action,omitempty"`
	Priority *int32 `json:"priority,omitempty"`
}

func (r RuleRef) String() string {
	s := r.Kind + " "
	if r.Namespace != "" {
		s += r.Namespace + "/"
	}
	s += r.Name
	if r.Priority != nil {
		s += " (priority " + itoa(int(*r.Priority)) + ")"
	}
	if r.Index >= 0 {
		s += " " + r.Direction + "[" + itoa(r.Index) + "]"
		if r.RuleName != "" {
			s += " \"" + r.RuleName + "\""
		}
	}
	if r.Action != "" {
		s += " " + r.Action
	}
	return s
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

func (r *rule) ref() RuleRef {
	p := r.policy
	ref := RuleRef{Kind: p.kind(), Namespace: p.namespace, Name: p.name, Direction: r.dir.String(), Index: r.index, RuleName: r.name}
	if p.tier != tierNetworkPolicy {
		ref.Action = r.action.String()
	}
	if p.tier == tierAdmin {
		pr := p.priority
		ref.Priority = &pr
	}
	return ref
}

func (p *policy) ref(d direction) RuleRef {
	return RuleRef{Kind: p.kind(), Namespace: p.namespace, Name: p.name, Direction: d.String(), Index: -1}
}
