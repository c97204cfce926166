package node

import (
	"fmt"
	"strings"

	psaapi "k8s.io/pod-security-admission/api"

	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Witnesses and texts name a bounded number of nodes, tenants and pods;
// the detail counts the rest.
const (
	maxWitnessNodes   = 3
	maxWitnessTenants = 5
	maxWitnessPods    = 10
	maxNamedTenants   = 20
)

func findings(r *Result, tok *tokens, ten *tenancy.Tenancy) []finding.Finding {
	var out []finding.Finding
	x := newExposures(r)
	weakened := map[string][]*PodFacts{} // namespace -> pods that only weaken
	var weakenedOrder []string
	refused := map[string][]*PodFacts{} // namespace -> running pods its enforce level refuses
	var refusedOrder []string
	for i := range r.Pods {
		p := &r.Pods[i]
		if p.Tenant == tenancy.Cluster {
			// The cluster tenant runs the node agents; it owns the nodes
			// already.
			continue
		}
		ns := r.Namespace(p.Namespace)
		escaped := false
		fits := p.Placement.Anywhere || len(p.Placement.Nodes) > 0 // no node fits: it never runs
		if p.Reach != Contained && p.Running && p.Exists() && fits {
			if p.Reach >= Host {
				out = append(out, escapeFinding(r, p, ns, x.of(p)))
				escaped = true
			} else if x.of(p).n > 0 {
				if weakened[p.Namespace] == nil {
					weakenedOrder = append(weakenedOrder, p.Namespace)
				}
				weakened[p.Namespace] = append(weakened[p.Namespace], p)
			}
		}
		if !p.Verdict.Enforce.Allowed && p.Live {
			if refused[p.Namespace] == nil {
				refusedOrder = append(refusedOrder, p.Namespace)
			}
			refused[p.Namespace] = append(refused[p.Namespace], p)
		}
		if !escaped && p.Running && !p.Verdict.Baseline.Allowed && ns.Policy.Enforce.Level == psaapi.LevelPrivileged {
			out = append(out, violatesBaseline(p, ns))
		}
	}
	for _, ns := range refusedOrder {
		out = append(out, violatesEnforced(r.Namespace(ns), refused[ns]))
	}
	for _, ns := range weakenedOrder {
		out = append(out, weakenedFinding(r.Namespace(ns), weakened[ns], x))
	}
	// The workloads baseline refuses, by namespace: an unenforced
	// namespace's fix names them.
	needHost := map[string][]string{}
	seen := map[string]bool{}
	for i := range r.Pods {
		if p := &r.Pods[i]; p.Exists() && !p.Verdict.Baseline.Allowed {
			if ref := p.Ref.String(); !seen[ref] {
				seen[ref] = true
				needHost[p.Namespace] = append(needHost[p.Namespace], ref)
			}
		}
	}
	for i := range r.Namespaces {
		if f, ok := unenforced(r, &r.Namespaces[i], needHost[r.Namespaces[i].Namespace]); ok {
			out = append(out, f)
		}
	}
	if tok != nil {
		out = append(out, relabelFindings(r, tok.authz, ten)...)
	}
	return append(out, tokenFindings(r, tok, ten)...)
}

// escapeFinding reports one pod that reaches into its node, with all its
// escapes, against the tenants it may share a node with.
func escapeFinding(r *Result, p *PodFacts, ns *NamespacePolicy, exp *exposure) finding.Finding {
	others, n := exp.names(maxNamedTenants), exp.n
	sev := finding.Info
	for _, e := range p.Escapes {
		if e.Severity > sev {
			sev = e.Severity
		}
	}
	if n == 0 && sev > finding.Info {
		sev-- // only the node itself is exposed
	}
	f := finding.Finding{
		ID:           reachRule[p.Reach].ID,
		Severity:     sev,
		Category:     reachRule[p.Reach].Category,
		SourceTenant: p.Tenant,
		TargetTenant: targetTenant(others, n),
		Objects:      []finding.Ref{p.Ref},
	}
	if f.TargetTenant == "*" {
		f.TargetTenants = exp.targetList()
	}
	subject := describe(p.Ref)
	if p.Reach == Node {
		f.Reason = subject + " escapes to its node"
	} else {
		f.Reason = subject + " reaches into its node"
	}
	switch n {
	case 0:
	case 1:
		f.Reason += ", where tenant " + others[0] + "'s pods run"
	default:
		f.Reason += ", where pods of tenants " + nameList(others, 3, n) + " run"
	}

	var reasons []string
	for _, e := range p.Escapes {
		f.Witness = append(f.Witness, finding.Step{Object: p.Ref, Fact: e.Field + ": " + e.Reason})
		reasons = append(reasons, e.Reason)
	}
	var d strings.Builder
	fmt.Fprintf(&d, "%s (tenant %s): %s.\n", subject, p.Tenant, strings.Join(dedupe(reasons), "; "))
	f.Witness = append(f.Witness, placementSteps(&p.Placement, &d)...)
	for _, s := range f.Witness {
		if s.Object.Kind == "Node" && s.Object.Name != "*" {
			f.Objects = append(f.Objects, s.Object)
		}
	}
	f.Witness = append(f.Witness, exp.witness(r.Pods)...)
	if n > 0 {
		fmt.Fprintf(&d, "Tenants exposed on the same node: %s.\n", nameList(others, maxNamedTenants, n))
	}
	if p.Reach == Node {
		d.WriteString("From the node: every pod on it, their service-account tokens and mounted secrets, and the kubelet's credentials (tenant cluster).\n")
	} else {
		d.WriteString("It does not own the node: the other pods' tokens and secrets and the kubelet's credentials stay out of its reach.\n")
	}
	if !p.Verdict.Baseline.Allowed {
		fmt.Fprintf(&d, "Pod Security baseline (%s) refuses it: %s.\n", p.Verdict.Enforced.Version.String(), p.Verdict.Baseline.ForbiddenDetail())
	}
	if ns.Enforces() {
		fmt.Fprintf(&d, "Namespace %s enforces %s; the pod was admitted before, or its escape is one Pod Security does not check.", p.Namespace, enforceString(ns))
	} else {
		fmt.Fprintf(&d, "Namespace %s enforces no Pod Security level.", p.Namespace)
	}
	f.Detail = d.String()
	f.Remediation = fmt.Sprintf("Label namespace %s with pod-security.kubernetes.io/enforce=baseline (restricted where the workloads allow) and, in %s, %s; keep tenants that must run such pods on nodes of their own (taints and nodeSelector).",
		p.Namespace, subject, fieldChanges(p.Escapes))
	return f
}

// placementSteps are the witness steps of where a pod runs, and the
// detail's line about it.
func placementSteps(pl *Placement, d *strings.Builder) []finding.Step {
	if pl.Anywhere {
		d.WriteString("The snapshot has no nodes, so any pod may be scheduled beside any other.\n")
		return []finding.Step{{Object: finding.Ref{Kind: "Node", Name: "*"}, Fact: "the snapshot has no nodes: any pod may be scheduled beside any other"}}
	}
	var out []finding.Step
	for i, n := range pl.Nodes {
		if i == maxWitnessNodes {
			break
		}
		fact := "the pod may be scheduled here"
		if pl.Pinned {
			fact = "runs the pod (spec.nodeName)"
		}
		out = append(out, finding.Step{Object: finding.Ref{Kind: "Node", Name: n}, Fact: fact})
	}
	if len(pl.Nodes) > maxWitnessNodes {
		fmt.Fprintf(d, "It may be scheduled on %d nodes; the witness names %d.\n", len(pl.Nodes), maxWitnessNodes)
	}
	return out
}

// weakenedFinding reports, for one namespace, the pods that do not reach
// their node but aim or widen an escape toward other tenants' pods
// (NET_RAW kept, nodeName pinning, control-plane tolerations...): one
// finding per namespace keeps a report of a thousand default pods
// readable.
func weakenedFinding(ns *NamespacePolicy, pods []*PodFacts, x *exposures) finding.Finding {
	sev := finding.Info
	all := x.r.CoLocation.sortedTenants()
	union := newTenantSet(len(all))
	seenExp := map[*exposure]bool{}
	var reasons []string
	f := finding.Finding{ID: ruleWeakened.ID, Category: ruleWeakened.Category, SourceTenant: ns.Tenant,
		Objects: []finding.Ref{{Kind: "Namespace", Name: ns.Namespace}}}
	for i, p := range pods {
		for _, e := range p.Escapes {
			if e.Severity > sev {
				sev = e.Severity
			}
			reasons = append(reasons, e.Reason)
		}
		if exp := x.of(p); !seenExp[exp] {
			seenExp[exp] = true
			union.or(exp.others)
		}
		if i < maxWitnessPods {
			f.Objects = append(f.Objects, p.Ref)
			var fields []string
			for _, e := range p.Escapes {
				fields = append(fields, e.Field)
			}
			f.Witness = append(f.Witness, finding.Step{Object: p.Ref, Fact: strings.Join(fields, "; ")})
		}
	}
	count := union.count()
	others := union.names(all, maxNamedTenants)
	// The tenants are named in the reason, not as targets: weakening is
	// no breach of them by itself.
	f.Severity = sev
	f.Witness = append(f.Witness, x.of(pods[0]).witness(x.r.Pods)...)
	n, weaken, do := "1 pod", "weakens", "does"
	if len(pods) > 1 {
		n, weaken, do = fmt.Sprintf("%d pods", len(pods)), "weaken", "do"
	}
	tenants := "tenant "
	if count > 1 {
		tenants = "tenants "
	}
	f.Reason = fmt.Sprintf("%s of namespace %s %s node isolation toward %s%s", n, ns.Namespace, weaken, tenants, nameList(others, 3, count))
	var d strings.Builder
	fmt.Fprintf(&d, "%s of namespace %s (tenant %s) %s not reach the node but %s an escape: %s.\n", n, ns.Namespace, ns.Tenant, do, map[bool]string{true: "aim or widen", false: "aims or widens"}[len(pods) > 1], strings.Join(dedupe(reasons), "; "))
	if len(pods) > maxWitnessPods {
		fmt.Fprintf(&d, "The witness names %d of them.\n", maxWitnessPods)
	}
	fmt.Fprintf(&d, "Tenants that may share their nodes: %s.", nameList(others, maxNamedTenants, count))
	f.Detail = d.String()
	f.Remediation = fmt.Sprintf("Label namespace %s pod-security.kubernetes.io/enforce=restricted where the workloads allow (it drops NET_RAW), drop NET_RAW elsewhere, and leave node choice to the scheduler.", ns.Namespace)
	return f
}

// unenforced reports a tenant namespace whose pods may be privileged.
// needHost are the workloads of the namespace that baseline refuses.
func unenforced(r *Result, ns *NamespacePolicy, needHost []string) (finding.Finding, bool) {
	if ns.Enforces() || !ns.InSnapshot || ns.Tenant == tenancy.Cluster {
		return finding.Finding{}, false
	}
	// Pod authors choose nodeName and tolerations: without an admission
	// policy that pins them, any node is in reach.
	var others []string
	n := 0
	for _, t := range r.CoLocation.sortedTenants() {
		if t != ns.Tenant && t != tenancy.Cluster {
			if n < maxNamedTenants {
				others = append(others, t)
			}
			n++
		}
	}
	nsRef := finding.Ref{Kind: "Namespace", Name: ns.Namespace}
	label := "has no pod-security.kubernetes.io/enforce label"
	if ns.HasEnforce {
		label = "is labelled pod-security.kubernetes.io/enforce=privileged"
	}
	f := finding.Finding{
		ID: ruleUnenforced.ID, Severity: ruleUnenforced.Severity, Category: ruleUnenforced.Category,
		SourceTenant: ns.Tenant, // whoever may create pods there: the attack graph follows who can
		Reason:       fmt.Sprintf("anyone who can create pods in namespace %s can escape to any node it may schedule on", ns.Namespace),
		Objects:      []finding.Ref{nsRef},
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
	if n > 0 {
		fmt.Fprintf(&d, "\nTenants with pods on the nodes in reach: %s.", nameList(others, maxNamedTenants, n))
	}
	f.Detail = d.String()
	f.Remediation = fmt.Sprintf("kubectl label namespace %s pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/enforce-version=latest (restricted where the workloads allow), and keep tenants from editing their namespace's labels.", ns.Namespace)
	// Workloads that need host access (a node agent) would be refused by
	// that label when next created: say so, and how else to wall them.
	if len(needHost) > 0 {
		verb := "need"
		if len(needHost) == 1 {
			verb = "needs"
		}
		f.Remediation += fmt.Sprintf(" %s %s more than baseline, which then refuses it when next created: a node agent that needs it belongs in a namespace of the cluster tenant (or one declared platform, where no tenant creates pods), on nodes of its own.",
			nameList(needHost, 3, len(needHost)), verb)
	}
	return f, true
}

// violatesEnforced reports the running pods of one namespace that its
// enforce level would refuse today.
func violatesEnforced(ns *NamespacePolicy, pods []*PodFacts) finding.Finding {
	level := pods[0].Verdict.Enforced
	nsRef := finding.Ref{Kind: "Namespace", Name: ns.Namespace}
	f := finding.Finding{
		ID: ruleViolatesEnforced.ID, Severity: ruleViolatesEnforced.Severity, Category: ruleViolatesEnforced.Category,
		SourceTenant: ns.Tenant,
		Objects:      []finding.Ref{nsRef},
		Witness:      []finding.Step{{Object: nsRef, Fact: "enforces " + level.String()}},
	}
	for i, p := range pods {
		if i == maxWitnessPods {
			break
		}
		f.Objects = append(f.Objects, p.Ref)
		f.Witness = append(f.Witness, finding.Step{Object: p.Ref, Fact: p.Verdict.Enforce.ForbiddenDetail()})
	}
	if len(pods) == 1 {
		f.Reason = fmt.Sprintf("%s runs although namespace %s enforces %s", describe(pods[0].Ref), ns.Namespace, level.String())
		f.Detail = fmt.Sprintf("The API server would refuse it today: %s.", pods[0].Verdict.Message())
	} else {
		f.Reason = fmt.Sprintf("%d running pods of namespace %s violate the %s it enforces", len(pods), ns.Namespace, level.String())
		f.Detail = fmt.Sprintf("The API server would refuse them today; the witness names %d of them with their violations.", min(len(pods), maxWitnessPods))
	}
	f.Detail += " Pod Security checks pods when they are created: they were admitted before the label was set, or by an exempt user or runtime class."
	f.Remediation = fmt.Sprintf("Fix the pods to meet %s and recreate them; kubectl label --dry-run=server --overwrite namespace %s pod-security.kubernetes.io/enforce=%s lists every such pod.",
		level.Level, ns.Namespace, level.Level)
	return f
}

// violatesBaseline reports a pod, in a namespace that does not enforce,
// that baseline would refuse for reasons the escape checks do not grade.
func violatesBaseline(p *PodFacts, ns *NamespacePolicy) finding.Finding {
	return finding.Finding{
		ID: ruleViolatesBaseline.ID, Severity: ruleViolatesBaseline.Severity, Category: ruleViolatesBaseline.Category,
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
func targetTenant(others []string, n int) string {
	switch n {
	case 0:
		return tenancy.Cluster
	case 1:
		return others[0]
	}
	return "*"
}

// fieldList names the offending fields of the escapes, without values.
// fieldChanges says what to change in a pod for its escapes: remove the
// fields that grant them, and add what a field lacks ("add NET_RAW to
// spec.containers[c].securityContext.capabilities.drop").
func fieldChanges(es []Escape) string {
	var remove, add []string
	seen := map[string]bool{}
	for _, e := range es {
		f := e.Field
		if field, what, ok := strings.Cut(f, " lacks "); ok {
			if s := "add " + what + " to " + field; !seen[s] {
				seen[s] = true
				add = append(add, s)
			}
			continue
		}
		if i := strings.IndexAny(f, "= "); i > 0 {
			f = f[:i]
		}
		if !seen[f] {
			seen[f] = true
			remove = append(remove, f)
		}
	}
	var parts []string
	if len(remove) > 0 {
		parts = append(parts, "remove "+strings.Join(remove, ", "))
	}
	return strings.Join(append(parts, add...), " and ")
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

// nameList joins the first names of a list of n as "a, b and c", naming
// at most max of them: "a, b, c and 12 more".
func nameList(ss []string, max, n int) string {
	if len(ss) > max {
		ss = ss[:max]
	}
	if n > len(ss) {
		return strings.Join(ss, ", ") + fmt.Sprintf(" and %d more", n-len(ss))
	}
	if len(ss) < 2 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}
