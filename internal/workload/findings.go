package workload

import (
	"fmt"
	"strings"

	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Finding IDs; docs/checks/node.md has one line for each.
const (
	IDNodeEscape       = "BH-NODE-001" // a tenant's pod is root on its node
	IDHostAccess       = "BH-NODE-002" // a tenant's pod reads or disturbs its node
	IDWeakened         = "BH-NODE-003" // a tenant's pod aims or widens an escape
	IDUnenforced       = "BH-NODE-004" // a tenant namespace admits privileged pods
	IDViolatesEnforced = "BH-NODE-005" // a running pod violates its namespace's enforce level
	IDViolatesBaseline = "BH-NODE-006" // a pod violates baseline in other ways
)

var reachID = map[Reach]string{Node: IDNodeEscape, Host: IDHostAccess, Weakens: IDWeakened}

// maxWitnessNodes bounds the nodes a witness names; the detail counts the
// rest.
const maxWitnessNodes = 3

func findings(r *Result, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	exposedBy := map[int]map[string]neighbour{}
	for i := range r.Pods {
		p := &r.Pods[i]
		if p.Tenant == tenancy.Cluster {
			// The cluster tenant runs the node agents; it owns the nodes
			// already.
			continue
		}
		ns := r.Namespace(p.Namespace)
		escaped := false
		if p.Reach != Contained && p.Running && p.Exists() {
			if f, ok := escapeFinding(r, p, ns, exposedBy); ok {
				out = append(out, f)
				escaped = p.Reach >= Host
			}
		}
		if !p.Verdict.Enforce.Allowed && p.Live {
			out = append(out, violatesEnforced(p))
		}
		if !escaped && !p.Verdict.Baseline.Allowed && ns.Policy.Enforce.Level == psaapi.LevelPrivileged {
			out = append(out, violatesBaseline(p, ns))
		}
	}
	for i := range r.Namespaces {
		if f, ok := unenforced(r, &r.Namespaces[i]); ok {
			out = append(out, f)
		}
	}
	return out
}

// escapeFinding reports one pod with all its escapes, against the tenants
// it may share a node with.
func escapeFinding(r *Result, p *PodFacts, ns *NamespacePolicy, cache map[int]map[string]neighbour) (finding.Finding, bool) {
	exp, ok := cache[p.placement]
	if !ok {
		exp = r.CoLocation.exposed(&p.Placement)
		cache[p.placement] = exp
	}
	var others []string // other tenants' pods beside it
	for t := range exp {
		if t != p.Tenant && t != tenancy.Cluster {
			others = append(others, t)
		}
	}
	sortStrings(others)
	if p.Reach < Host && len(others) == 0 {
		return finding.Finding{}, false // weakens nothing another tenant has
	}
	sev := finding.Info
	for _, e := range p.Escapes {
		if e.Severity > sev {
			sev = e.Severity
		}
	}
	if len(others) == 0 && sev > finding.Info {
		sev-- // only the node's own tenant and the escaping tenant are there
	}

	f := finding.Finding{
		ID:           reachID[p.Reach],
		Severity:     sev,
		Category:     finding.Node,
		SourceTenant: p.Tenant,
		TargetTenant: targetTenant(others),
		Objects:      []finding.Ref{p.Ref},
	}
	subject := describe(p.Ref)
	switch p.Reach {
	case Node:
		f.Reason = fmt.Sprintf("%s escapes to its node", subject)
	case Host:
		f.Reason = fmt.Sprintf("%s reaches into its node", subject)
	default:
		f.Reason = fmt.Sprintf("%s weakens its node isolation", subject)
	}
	if len(others) == 1 {
		f.Reason += ", where tenant " + others[0] + "'s pods run"
	} else if len(others) > 1 {
		f.Reason += ", where pods of tenants " + joinAnd(others) + " run"
	}

	var reasons []string
	for _, e := range p.Escapes {
		f.Witness = append(f.Witness, finding.Step{Object: p.Ref, Fact: e.Field + ": " + e.Reason})
		reasons = append(reasons, e.Reason)
	}
	var d strings.Builder
	fmt.Fprintf(&d, "%s (tenant %s) %s.\n", subject, p.Tenant, strings.Join(dedupe(reasons), "; "))
	pl := &p.Placement
	switch {
	case pl.Anywhere:
		f.Witness = append(f.Witness, finding.Step{Object: finding.Ref{Kind: "Node", Name: "*"},
			Fact: "the snapshot has no nodes: any pod may be scheduled beside any other"})
		d.WriteString("The snapshot has no nodes, so any pod may be scheduled beside any other.\n")
	default:
		for i, n := range pl.Nodes {
			if i == maxWitnessNodes {
				break
			}
			fact := "the pod may be scheduled here"
			if pl.Pinned {
				fact = "runs the pod (spec.nodeName)"
			}
			f.Witness = append(f.Witness, finding.Step{Object: finding.Ref{Kind: "Node", Name: n}, Fact: fact})
			f.Objects = append(f.Objects, finding.Ref{Kind: "Node", Name: n})
		}
		if len(pl.Nodes) > maxWitnessNodes {
			fmt.Fprintf(&d, "It may be scheduled on %d nodes; the witness names %d.\n", len(pl.Nodes), maxWitnessNodes)
		}
	}
	for _, t := range appendUnique(others, tenancy.Cluster) {
		nb, ok := exp[t]
		if !ok {
			continue
		}
		w := &r.Pods[nb.pod]
		where := "on node " + nb.node
		if nb.node == "*" {
			where = "on any node"
		}
		f.Witness = append(f.Witness, finding.Step{Object: w.Ref, Fact: fmt.Sprintf("tenant %s runs or may run %s, beside it", t, where)})
	}
	if len(others) > 0 {
		fmt.Fprintf(&d, "Tenants exposed on the same node: %s.\n", joinAnd(others))
	}
	if p.Reach >= Host {
		d.WriteString("From the node: every pod on it, their service-account tokens and mounted secrets, and the kubelet's credentials (tenant cluster).\n")
	}
	if !p.Verdict.Baseline.Allowed {
		fmt.Fprintf(&d, "Pod Security baseline (%s) refuses it: %s.\n", p.Verdict.Enforced.Version.String(), p.Verdict.Baseline.ForbiddenDetail())
	}
	if ns.Enforces() {
		fmt.Fprintf(&d, "Namespace %s enforces %s now; the pod was admitted before, or its escape is one Pod Security does not check.", p.Namespace, enforceString(ns))
	} else {
		fmt.Fprintf(&d, "Namespace %s enforces no Pod Security level.", p.Namespace)
	}
	f.Detail = d.String()
	f.Remediation = fmt.Sprintf("Label namespace %s with pod-security.kubernetes.io/enforce=baseline (restricted where the workloads allow) and remove %s from %s; keep tenants that must run such pods on nodes of their own (taints and nodeSelector).",
		p.Namespace, fieldList(p.Escapes), subject)
	return f, true
}

// unenforced reports a tenant namespace whose pods may be privileged.
func unenforced(r *Result, ns *NamespacePolicy) (finding.Finding, bool) {
	if ns.Enforces() || !ns.InSnapshot || ns.Tenant == tenancy.Cluster {
		return finding.Finding{}, false
	}
	// Pod authors choose nodeName and tolerations: without an admission
	// policy that pins them, any node is in reach.
	var others []string
	for t := range r.CoLocation.tenants {
		if t != ns.Tenant && t != tenancy.Cluster {
			others = append(others, t)
		}
	}
	sortStrings(others)
	nsRef := finding.Ref{Kind: "Namespace", Name: ns.Namespace}
	label := "has no pod-security.kubernetes.io/enforce label"
	if ns.HasEnforce {
		label = "is labelled pod-security.kubernetes.io/enforce=privileged"
	}
	f := finding.Finding{
		ID: IDUnenforced, Severity: finding.High, Category: finding.Node,
		SourceTenant: ns.Tenant, TargetTenant: targetTenant(others),
		Reason:  fmt.Sprintf("anyone who can create pods in namespace %s can escape to any node it may schedule on", ns.Namespace),
		Objects: []finding.Ref{nsRef},
		Witness: []finding.Step{
			{Object: nsRef, Fact: label + ": the API server admits privileged pods, hostPath and host namespaces"},
			{Object: finding.Ref{Kind: "Node", Name: "*"}, Fact: "a pod's author chooses its nodeName and tolerations: every node is in reach"},
		},
	}
	var d strings.Builder
	fmt.Fprintf(&d, "Namespace %s (tenant %s) %s.", ns.Namespace, ns.Tenant, label)
	if a := ns.Policy.Audit; a.Level != psaapi.LevelPrivileged {
		fmt.Fprintf(&d, " It audits %s, which records violations without refusing them.", a.String())
	}
	if w := ns.Policy.Warn; w.Level != psaapi.LevelPrivileged {
		fmt.Fprintf(&d, " It warns on %s, which only tells the client.", w.String())
	}
	if r.CoLocation.Anywhere {
		d.WriteString(" The snapshot has no nodes, so any pod may be scheduled beside any other.")
	}
	if len(others) > 0 {
		fmt.Fprintf(&d, "\nTenants with pods on the nodes in reach: %s.", joinAnd(others))
	}
	f.Detail = d.String()
	f.Remediation = fmt.Sprintf("kubectl label namespace %s pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/enforce-version=latest (restricted where the workloads allow), and keep tenants from editing their namespace's labels.", ns.Namespace)
	return f, true
}

// violatesEnforced reports a running pod its namespace would now refuse.
func violatesEnforced(p *PodFacts) finding.Finding {
	return finding.Finding{
		ID: IDViolatesEnforced, Severity: finding.Medium, Category: finding.Node,
		SourceTenant: p.Tenant,
		Reason:       fmt.Sprintf("%s runs although namespace %s enforces %s", describe(p.Ref), p.Namespace, p.Verdict.Enforced.String()),
		Detail:       fmt.Sprintf("The API server would refuse this pod today: %s. Pod Security checks pods when they are created, so it was admitted before the label was set, or by an exempt user or runtime class.", p.Verdict.Message()),
		Objects:      []finding.Ref{p.Ref},
		Witness: []finding.Step{
			{Object: finding.Ref{Kind: "Namespace", Name: p.Namespace}, Fact: "enforces " + p.Verdict.Enforced.String()},
			{Object: p.Ref, Fact: p.Verdict.Enforce.ForbiddenDetail()},
		},
		Remediation: fmt.Sprintf("Fix %s to meet %s and recreate it; kubectl label --dry-run=server namespace %s pod-security.kubernetes.io/enforce=%s --overwrite lists every such pod.",
			describe(p.Ref), p.Verdict.Enforced.Level, p.Namespace, p.Verdict.Enforced.Level),
	}
}

// violatesBaseline reports a pod, in a namespace that does not enforce,
// that baseline would refuse for reasons the escape checks do not grade.
func violatesBaseline(p *PodFacts, ns *NamespacePolicy) finding.Finding {
	return finding.Finding{
		ID: IDViolatesBaseline, Severity: finding.Medium, Category: finding.Node,
		SourceTenant: p.Tenant,
		Reason:       fmt.Sprintf("%s violates Pod Security baseline", describe(p.Ref)),
		Detail: fmt.Sprintf("Baseline (%s) refuses it: %s. Namespace %s enforces no Pod Security level, so nothing stopped it.",
			p.Verdict.Enforced.Version.String(), p.Verdict.Baseline.ForbiddenDetail(), ns.Namespace),
		Objects: []finding.Ref{p.Ref},
		Witness: []finding.Step{
			{Object: finding.Ref{Kind: "Namespace", Name: p.Namespace}, Fact: "enforces no Pod Security level"},
			{Object: p.Ref, Fact: p.Verdict.Baseline.ForbiddenDetail()},
		},
		Remediation: fmt.Sprintf("Make %s meet baseline, then label namespace %s pod-security.kubernetes.io/enforce=baseline.", describe(p.Ref), p.Namespace),
	}
}

// describe names a pod, or the controller a representative pod stands for.
func describe(r finding.Ref) string {
	if r.Kind == "Pod" {
		return "pod " + r.Namespace + "/" + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name + " (its pod template)"
}

// targetTenant is the one other tenant exposed, "*" when several are (the
// witness names them), or the cluster tenant when only the node itself is:
// every node escape exposes the node's kubelet credentials.
func targetTenant(others []string) string {
	switch len(others) {
	case 0:
		return tenancy.Cluster
	case 1:
		return others[0]
	}
	return "*"
}

// fieldList names the offending fields of the escapes, without values.
func fieldList(es []Escape) string {
	var out []string
	seen := map[string]bool{}
	for _, e := range es {
		f := e.Field
		if i := strings.IndexAny(f, "= "); i > 0 {
			f = f[:i]
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return strings.Join(out, ", ")
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	out := append(append([]string(nil), ss...), s)
	sortStrings(out)
	return out
}

// joinAnd joins names as "a, b and c".
func joinAnd(ss []string) string {
	if len(ss) < 2 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}
