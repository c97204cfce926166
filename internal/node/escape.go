package node

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// Reach says how far out of its container an escape takes a pod.
type Reach int

const (
	// Contained: nothing found.
	Contained Reach = iota
	// Weakens: no way out by itself, but it aims or widens one (choosing
	// the node, sharing processes inside the pod, spoofing on the pod
	// network).
	Weakens
	// Host: reads or disturbs the node and the pods on it without owning it
	// (host namespaces, node ports, sensitive files read-only).
	Host
	// Node: root on the node, or the kubelet's credentials and every
	// secret mounted on it.
	Node
)

var reachNames = []string{"contained", "weakens", "host", "node"}

func (r Reach) String() string {
	if r < Contained || r > Node {
		return "reach(?)"
	}
	return reachNames[r]
}

// MarshalText writes the reach name.
func (r Reach) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Escape is one reason a pod reaches beyond its container.
type Escape struct {
	// Check names the check that found it (see checks).
	Check string `json:"check"`
	Reach Reach  `json:"reach"`
	// Severity is the check's own severity when the pod shares its node
	// with another tenant; findings lower it by one otherwise.
	Severity finding.Severity `json:"severity"`
	// Field is the offending field and value, as a path into the pod:
	// "spec.containers[shell].securityContext.privileged=true".
	Field string `json:"field"`
	// Reason says what the field gives the pod, in one line.
	Reason string `json:"reason"`
	// Admin is set when, on a control-plane node, the escape yields the
	// cluster's admin credentials or keys: root on the node (a privileged
	// container, a root-owned part of the node written as root, a
	// runtime's socket) or a read of them as root. The kubelet's own
	// credentials are not: they are the node's.
	Admin bool `json:"-"`
}

// check is one way out of a container that Pod Security does not name, or
// names without saying what it exposes. Each lives in its own file with
// the test that shows it.
type check struct {
	name     string
	evaluate func(p *podView) []Escape
}

// checks is the registry, in reporting order. A test keeps names unique.
var checks = []check{
	privilegedCheck,
	capabilitiesCheck,
	netRawCheck,
	hostNamespacesCheck,
	hostPortsCheck,
	hostPathCheck,
	persistentVolumesCheck,
	nodeNameCheck,
	hostProbesCheck,
	shareProcessNamespaceCheck,
	controlPlaneTolerationsCheck,
	windowsHostProcessCheck,
}

// podView is what a check sees: the pod and the snapshot objects it refers
// to.
type podView struct {
	pod *corev1.Pod
	// claim returns the PersistentVolumeClaim of the pod's namespace with
	// that name, and volume the named PersistentVolume; either may be nil.
	claim  func(namespace, name string) *corev1.PersistentVolumeClaim
	volume func(name string) *corev1.PersistentVolume

	cs []containerAt // containers, computed once per pod
}

// containerAt is one container of the pod with its path in the pod spec.
type containerAt struct {
	path string // spec.containers[name]
	c    *corev1.Container
}

// containers lists init, regular and ephemeral containers, in that order.
func (p *podView) containers() []containerAt {
	if p.cs == nil {
		p.cs = listContainers(p.pod)
	}
	return p.cs
}

func listContainers(pod *corev1.Pod) []containerAt {
	spec := &pod.Spec
	out := make([]containerAt, 0, len(spec.InitContainers)+len(spec.Containers)+len(spec.EphemeralContainers))
	for i := range spec.InitContainers {
		out = append(out, containerAt{"spec.initContainers[" + spec.InitContainers[i].Name + "]", &spec.InitContainers[i]})
	}
	for i := range spec.Containers {
		out = append(out, containerAt{"spec.containers[" + spec.Containers[i].Name + "]", &spec.Containers[i]})
	}
	for i := range spec.EphemeralContainers {
		c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, containerAt{"spec.ephemeralContainers[" + c.Name + "]", &c})
	}
	return out
}

func isPrivileged(c *corev1.Container) bool {
	return c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged
}

// escapes runs every check on a pod and returns what they found, worst
// first, then by check order and field.
func escapes(p *podView) []Escape {
	var out []Escape
	for _, c := range checks {
		out = append(out, c.evaluate(p)...)
	}
	out = applyRuntimeClass(p, out)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Reach != out[j].Reach {
			return out[i].Reach > out[j].Reach
		}
		return false
	})
	return out
}

// Worst returns the highest reach among es.
func Worst(es []Escape) Reach {
	r := Contained
	for _, e := range es {
		if e.Reach > r {
			r = e.Reach
		}
	}
	return r
}
