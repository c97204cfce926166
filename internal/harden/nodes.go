package harden

import (
	"fmt"
	"hash/fnv"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

/*
NodePlan keeps pods that must stay privileged away from other tenants. A
pod that escapes to its node reaches every pod on it (DESIGN.md, node
isolation): co-location joins tenants. Pod Security cannot help a pod that
needs privileges, so such a tenant gets nodes of its own:

	Taints allow a node to repel a set of pods. Tolerations are applied to
	pods. Tolerations allow the scheduler to schedule pods with matching
	taints. (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/)

The taint DedicatedKey=<tenant>:NoSchedule keeps every other tenant's new
pods off the nodes; the label DedicatedKey=<tenant> on them and a
nodeSelector on the tenant's workloads keep the tenant's pods on. The
workloads are the controllers of the pods (a Deployment rather than its
ReplicaSet or pods, a CronJob rather than its Job), or the pod itself when
it has none.

Which pods: those the node engine reports as escaping to or reaching into
their node (BH-NODE-001, BH-NODE-002) in a tenant namespace, and every pod
of a namespace in Options.AllowPrivileged that enforces no level already
(any pod there may be privileged tomorrow; a label the namespace has is
never lowered). Platform and cluster pods are left alone: node agents run on
every node by design.

Which nodes: those the pods run on now (spec.nodeName); for pods not yet
placed, the first node that fits them. Control-plane nodes are never
chosen, and a node goes to one tenant only (taints are unique by key and
effect). With no nodes in the snapshot the proposal asks for one to be
labelled and tainted by hand.

It is a proposal, not an object to apply: tainting a node changes where
everyone's pods may go, NoSchedule does not move the pods already there
(drain the node), a bare pod's nodeSelector cannot change (it must be
re-created), and the tenant's pods still own the nodes they run on.
*/

// DedicatedKey is the key of the taint and the label that dedicate a node
// to one tenant.
const DedicatedKey = "bulkhead.dev/dedicated"

// controlPlaneLabels mark nodes that run the control plane.
var controlPlaneLabels = []string{"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}

// NodePlan proposes, per tenant whose pods must stay privileged, dedicated
// nodes and the workload changes that move the pods there (see above).
func NodePlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) []Proposal {
	return nodePlan(analysis.NewFacts(snap, ten), opts)
}

// nodePlan is NodePlan on the facts of a snapshot: the node engine's
// result, which it only reads.
func nodePlan(f *analysis.Facts, opts Options) []Proposal {
	snap, ten, res := f.Snapshot, f.Tenancy, f.Workload()
	escape := map[string][]string{} // pod or controller ref -> finding IDs
	reasons := map[string]string{}
	for _, f := range res.Findings {
		if (f.ID == node.IDNodeEscape || f.ID == node.IDHostAccess) && len(f.Objects) > 0 {
			k := f.Objects[0].String()
			escape[k] = append(escape[k], f.ID)
			reasons[k] = f.Reason
		}
	}
	byTenant := map[string][]int{} // tenant -> pod indices
	for i := range res.Pods {
		p := &res.Pods[i]
		if p.Tenant == tenancy.Cluster || ten.IsSystem(p.Namespace) || ten.IsPlatform(p.Namespace) {
			continue
		}
		// A namespace allowed to stay privileged whose own label enforces
		// a level already refuses privileged pods: harden never lowers it.
		mayBePrivileged := slices.Contains(opts.AllowPrivileged, p.Namespace) && !res.Namespace(p.Namespace).Enforces()
		if len(escape[p.Ref.String()]) > 0 || (mayBePrivileged && p.Running) {
			byTenant[p.Tenant] = append(byTenant[p.Tenant], i)
		}
	}
	tenants := make([]string, 0, len(byTenant))
	for t := range byTenant {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)

	idx := newWorkloadIndex(snap)
	byNode := map[string][]int{} // node -> other pods pinned there, live
	for i := range res.Pods {
		p := &res.Pods[i]
		if p.Live && p.Placement.Pinned && len(p.Placement.Nodes) == 1 && p.Tenant != tenancy.Cluster {
			byNode[p.Placement.Nodes[0]] = append(byNode[p.Placement.Nodes[0]], i)
		}
	}
	nodes := map[string]*corev1.Node{}
	for i := range snap.Nodes {
		nodes[snap.Nodes[i].Name] = &snap.Nodes[i]
	}
	claimed := map[string]string{} // node -> dedicated value
	for i := range snap.Nodes {
		for _, t := range snap.Nodes[i].Spec.Taints {
			if t.Key == DedicatedKey && t.Effect == corev1.TaintEffectNoSchedule {
				claimed[snap.Nodes[i].Name] = t.Value
			}
		}
	}
	var out []Proposal
	var befores [][]runtime.Object
	for _, t := range tenants {
		d := dedication{snap: snap, res: res, idx: idx, nodes: nodes, byNode: byNode,
			tenant: t, value: DedicatedValue(t), pods: byTenant[t], escape: escape, reasons: reasons}
		if p, ok := d.proposal(claimed, opts); ok {
			out = append(out, p)
			befores = append(befores, d.before)
		}
	}
	for i := range out {
		out[i].before = befores[i] // the diff is made when it is written
	}
	return out
}

// FillDiffs makes the diffs of the proposals that have them made when
// they are written (those moving pods to dedicated nodes), one proposal at
// a time on every core: the YAML of each object is most of the work.
func FillDiffs(props []Proposal) {
	eachParallel(len(props), func(i int) {
		p := &props[i]
		if p.before == nil || p.Diff != "" {
			return
		}
		var b strings.Builder
		for j, after := range p.Apply {
			a, errA := manifest(p.before[j])
			z, errZ := manifest(after)
			if errA != nil || errZ != nil {
				continue
			}
			path := after.GetObjectKind().GroupVersionKind().Kind + "/" + objectName(after)
			if m := objectMetaOf(after); m != nil && m.Namespace != "" {
				path = after.GetObjectKind().GroupVersionKind().Kind + "/" + m.Namespace + "/" + m.Name
			}
			b.WriteString(unifiedDiff("a/"+path, "b/"+path, a, z))
		}
		p.Diff = b.String()
	})
}

// eachParallel calls work(i) for every i in [0, n), on every core.
func eachParallel(n int, work func(i int)) {
	workers := min(goruntime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				work(i)
			}
		}()
	}
	wg.Wait()
}

// DedicatedValue is the value of the taint and label that dedicate nodes
// to a tenant: the tenant's name where it is a valid label value, else the
// name with each invalid character replaced and, when too long or changed
// beyond that, a hash of it.
func DedicatedValue(tenant string) string {
	if len(validation.IsValidLabelValue(tenant)) == 0 {
		return tenant
	}
	b := []byte(tenant)
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' && c != '.' {
			b[i] = '.'
		}
	}
	v := strings.Trim(string(b), "-_.")
	if len(v) > 54 || len(validation.IsValidLabelValue(v)) > 0 || v == "" {
		h := fnv.New32a()
		h.Write([]byte(tenant))
		if len(v) > 54 {
			v = strings.TrimRight(v[:54], "-_.")
		}
		v = strings.Trim(fmt.Sprintf("%s-%08x", v, h.Sum32()), "-_.")
	}
	return v
}

// dedication is the work of one tenant's proposal.
type dedication struct {
	snap    *snapshot.Snapshot
	res     *node.Result
	idx     *workloadIndex
	nodes   map[string]*corev1.Node
	byNode  map[string][]int // node -> live pods pinned there
	before  []runtime.Object // what the proposal's Apply replaces, in order
	tenant  string
	value   string
	pods    []int
	escape  map[string][]string
	reasons map[string]string
}

// proposal builds the tenant's proposal, or reports that nothing changes.
func (d *dedication) proposal(claimed map[string]string, opts Options) (Proposal, bool) {
	var closes, podLines []string
	seenWorkload := map[string]bool{}
	var before, after []runtime.Object
	var bare, refused []string
	for _, i := range d.pods {
		pod := &d.snap.Pods[i]
		if !d.res.Pods[i].Verdict.Baseline.Allowed && !slices.Contains(opts.AllowPrivileged, pod.Namespace) && !slices.Contains(refused, pod.Namespace) {
			refused = append(refused, pod.Namespace)
		}
		ref := d.res.Pods[i].Ref.String()
		closes = append(closes, d.escape[ref]...)
		line := "- " + ref
		if r := d.reasons[ref]; r != "" {
			line += ": " + r
		} else {
			line += ": its namespace " + pod.Namespace + " may run privileged pods (allowed)"
		}
		if !slices.Contains(podLines, line) {
			podLines = append(podLines, line)
		}
		w, bareWorkload := d.idx.workloadOf(pod)
		key := w.GetObjectKind().GroupVersionKind().Kind + "/" + pod.Namespace + "/" + objectName(w)
		if seenWorkload[key] {
			continue
		}
		seenWorkload[key] = true
		patched := w.DeepCopyObject()
		if !dedicateSpec(podSpecOf(patched), d.value) {
			continue // already moved
		}
		if bareWorkload {
			bare = append(bare, pod.Namespace+"/"+pod.Name)
		}
		before = append(before, w)
		after = append(after, patched)
	}
	nodes, skipped := d.chooseNodes(claimed)
	var nodeBefore, nodeAfter []runtime.Object
	for _, n := range nodes {
		claimed[n.Name] = d.value
		dn := nodeManifest(n)
		if !dedicateNode(dn, d.value) {
			continue
		}
		nodeBefore = append(nodeBefore, nodeManifest(n))
		nodeAfter = append(nodeAfter, dn)
	}
	if len(after) == 0 && len(nodeAfter) == 0 {
		return Proposal{}, false
	}
	sort.Strings(closes)
	closes = slices.Compact(closes)
	why := fmt.Sprintf("dedicated nodes for tenant %s (%s=%s)", d.tenant, DedicatedKey, d.value)
	for _, o := range append(slices.Clone(after), nodeAfter...) {
		if m := objectMetaOf(o); m != nil {
			note(m, closes, why)
		}
	}
	apply := append(nodeAfter, after...)
	d.before = append(nodeBefore, before...)

	var b strings.Builder
	fmt.Fprintf(&b, "Pods of tenant %s that must stay privileged, or may be:\n%s\n", d.tenant, strings.Join(podLines, "\n"))
	switch {
	case len(nodes) > 0:
		var names []string
		for _, n := range nodes {
			names = append(names, n.Name)
		}
		fmt.Fprintf(&b, "Nodes to dedicate (where the pods run now, or the first that fits): %s. They get the label %s=%s and the taint %s=%s:NoSchedule. ",
			strings.Join(names, ", "), DedicatedKey, d.value, DedicatedKey, d.value)
		if others := d.neighbours(names); len(others) > 0 {
			fmt.Fprintf(&b, "NoSchedule keeps new pods of other tenants off them but does not move those already there (%s): drain the nodes, or they stay joined until those pods are replaced. ", strings.Join(others, ", "))
		} else {
			b.WriteString("NoSchedule keeps new pods of other tenants off them; it does not move pods already there. ")
		}
		b.WriteString("Add nodes the same way if the workloads need room.\n")
	default:
		fmt.Fprintf(&b, "The snapshot names no node that can be dedicated: label and taint at least one by hand first, or the pods below will not schedule:\n  kubectl label node NODE %s=%s\n  kubectl taint node NODE %s=%s:NoSchedule\n", DedicatedKey, d.value, DedicatedKey, d.value)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "Not chosen: %s.\n", strings.Join(skipped, "; "))
	}
	fmt.Fprintf(&b, "Each workload gets the toleration %s=%s:NoSchedule and the nodeSelector %s: %s, so its pods go to those nodes only.", DedicatedKey, d.value, DedicatedKey, d.value)
	if len(bare) > 0 {
		fmt.Fprintf(&b, " A pod's nodeSelector cannot change: %s must be re-created with them.", strings.Join(bare, ", "))
	}
	if len(closes) > 0 {
		// The webhook (BH-NODE-001) denies a pod that escapes to its node
		// in a tenant namespace, whatever node it goes to.
		fmt.Fprintf(&b, " Where bulkhead's webhook holds the cluster it denies these pods in a namespace of tenant %s, re-created or new (BH-NODE-001: workloads that need them belong in a namespace of the cluster tenant): move the workloads to a namespace of the cluster tenant (one declared with --system-namespaces) with this toleration and nodeSelector, or exempt who creates them in the webhook's configuration (exempt.users, exempt.groups). The proof assumes the workloads as written here: in their namespace, on the dedicated nodes.", d.tenant)
	}
	if len(refused) > 0 {
		sort.Strings(refused)
		fmt.Fprintf(&b, " Pod Security baseline refuses these pods: to keep them, namespace(s) %s must stay below baseline too (allow them privileged), or the Pod Security labels of this plan refuse them when they are next created.", strings.Join(refused, ", "))
	}
	b.WriteString(" A nodeSelector on these workloads does not bind new ones: the PodNodeSelector admission plugin (namespace annotation scheduler.alpha.kubernetes.io/node-selector) or an admission policy does.")
	b.WriteString(" The pods still own the nodes they run on; what no longer runs there is another tenant.")
	if len(closes) > 0 {
		fmt.Fprintf(&b, " %s stays against the node itself (tenant %s), one severity lower.", strings.Join(closes, ", "), tenancy.Cluster)
	}
	title := fmt.Sprintf("Dedicated nodes for tenant %s: ", d.tenant)
	switch {
	case len(nodes) > 0:
		title += fmt.Sprintf("taint %d node(s), move %d workload(s)", len(nodes), len(after))
	default:
		title += fmt.Sprintf("label and taint a node, move %d workload(s)", len(after))
	}
	return Proposal{Layer: Node, Title: title, Detail: b.String(), Closes: closes, Apply: apply}, true
}

// chooseNodes picks the nodes to dedicate: those the tenant's pods are
// pinned to, else the first that fits one of them; never a control-plane
// node or one dedicated to another tenant. It also says which it passed
// over, and why.
func (d *dedication) chooseNodes(claimed map[string]string) ([]*corev1.Node, []string) {
	byName := d.nodes
	var pinned, fitting []string
	for _, i := range d.pods {
		pl := &d.res.Pods[i].Placement
		if pl.Pinned {
			pinned = append(pinned, pl.Nodes...)
		} else {
			fitting = append(fitting, pl.Nodes...)
		}
	}
	sort.Strings(pinned)
	sort.Strings(fitting)
	var out []*corev1.Node
	var skipped []string
	usable := func(name string) bool {
		n := byName[name]
		if n == nil {
			return false
		}
		if v, ok := claimed[name]; ok && v != d.value {
			skipped = append(skipped, fmt.Sprintf("node %s is dedicated to %s", name, v))
			return false
		}
		for _, l := range controlPlaneLabels {
			if _, ok := n.Labels[l]; ok {
				skipped = append(skipped, fmt.Sprintf("node %s runs the control plane", name))
				return false
			}
		}
		return true
	}
	for _, name := range slices.Compact(pinned) {
		if usable(name) {
			out = append(out, byName[name])
		}
	}
	if len(out) == 0 {
		for _, name := range slices.Compact(fitting) {
			if usable(name) {
				out = append(out, byName[name])
				break
			}
		}
	}
	return out, slices.Compact(skipped)
}

// neighbours lists other tenants' live pods on the nodes.
func (d *dedication) neighbours(nodes []string) []string {
	var out []string
	for _, n := range nodes {
		for _, i := range d.byNode[n] {
			if p := &d.res.Pods[i]; p.Tenant != d.tenant {
				out = append(out, p.Ref.String())
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// dedicatedToleration tolerates a node dedicated to the value.
func dedicatedToleration(value string) corev1.Toleration {
	return corev1.Toleration{Key: DedicatedKey, Operator: corev1.TolerationOpEqual, Value: value, Effect: corev1.TaintEffectNoSchedule}
}

// dedicateSpec adds the toleration and the nodeSelector of the value to a
// pod spec and reports whether it changed.
func dedicateSpec(spec *corev1.PodSpec, value string) bool {
	if spec == nil {
		return false
	}
	changed := false
	tol := dedicatedToleration(value)
	if !slices.ContainsFunc(spec.Tolerations, func(t corev1.Toleration) bool { return t.MatchToleration(&tol) }) {
		spec.Tolerations = append(spec.Tolerations, tol)
		changed = true
	}
	if spec.NodeSelector[DedicatedKey] != value {
		if spec.NodeSelector == nil {
			spec.NodeSelector = map[string]string{}
		}
		spec.NodeSelector[DedicatedKey] = value
		changed = true
	}
	return changed
}

// nodeManifest is a node as a user would apply it.
func nodeManifest(n *corev1.Node) *corev1.Node {
	return cleanObject(n, "v1", "Node").(*corev1.Node)
}

// dedicateNode labels and taints a node for the value and reports whether
// it changed. A taint of the key with another value is replaced.
func dedicateNode(n *corev1.Node, value string) bool {
	changed := false
	if n.Labels[DedicatedKey] != value {
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[DedicatedKey] = value
		changed = true
	}
	taint := corev1.Taint{Key: DedicatedKey, Value: value, Effect: corev1.TaintEffectNoSchedule}
	i := slices.IndexFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.MatchTaint(&taint) })
	switch {
	case i < 0:
		n.Spec.Taints = append(n.Spec.Taints, taint)
		changed = true
	case n.Spec.Taints[i].Value != value:
		n.Spec.Taints[i].Value = value
		changed = true
	}
	return changed
}
