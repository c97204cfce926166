package harden

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/rbac"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

/*
RBAC narrowing follows the API checks (internal/rbac) binding by binding.
A grant across tenants is one of:

  - BH-API-002: a ClusterRoleBinding gives a subject namespaced access in
    every tenant's namespaces. A subject of a tenant (its service account,
    or a user or group bound in that tenant's namespaces only) keeps the
    same ClusterRole through RoleBindings in its own tenant's namespaces; a
    subject of no tenant keeps nothing.
  - BH-API-001: a RoleBinding in one tenant's namespace grants a subject of
    another tenant.
  - BH-API-003: a binding grants a group every identity of a kind is in.

Each such subject leaves the binding, which is deleted when no subject is
left. The bindings of system components (system:* names, the bootstrap
policy, RoleBindings in system namespaces) and the platform tenant's
subjects are left alone and named in notes.
*/

// narrowedChecks are the API checks whose grants RBACPlan takes back.
var narrowedChecks = []string{rbac.IDCrossTenant, rbac.IDEveryTenant, rbac.IDBroadGroup}

// RBACPlan proposes, binding by binding, the narrowing of every grant
// across tenants the API checks find (see the comment above); each
// proposal applies the replacement bindings, deletes the bindings left
// with no subject, and shows the change as a diff.
func RBACPlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) []Proposal {
	ps, _ := planRBAC(snap, ten, opts)
	return ps
}

// planRBAC is RBACPlan with the notes on what it left alone.
func planRBAC(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) ([]Proposal, []string) {
	return planRBACFrom(analysis.NewFacts(snap, ten), opts)
}

// planRBACFrom is planRBAC on the facts of a snapshot: the authorizer and
// the API engine's findings, which it only reads.
func planRBACFrom(facts *analysis.Facts, _ Options) ([]Proposal, []string) {
	snap, ten, a := facts.Snapshot, facts.Tenancy, facts.RBAC()
	byBinding := map[finding.Ref][]finding.Finding{}
	for _, f := range facts.APIFindings() {
		if slices.Contains(narrowedChecks, f.ID) && len(f.Objects) > 0 {
			byBinding[f.Objects[0]] = append(byBinding[f.Objects[0]], f)
		}
	}
	idx := bindingIndex(snap)
	var props []Proposal
	var notes []string
	for _, b := range a.Bindings() { // cluster role bindings first, each kind by name
		fs := byBinding[b.Ref]
		if len(fs) == 0 {
			continue
		}
		n := &narrowing{snap: snap, ten: ten, b: &b, fs: fs, idx: idx}
		if !n.resolve() {
			continue
		}
		if why := n.system(); why != "" {
			notes = append(notes, fmt.Sprintf("%s left as it is (%s), though %s: review it by hand.", b.Ref, why, n.reasons()))
			continue
		}
		p, ns := n.propose()
		notes = append(notes, ns...)
		if p != nil {
			props = append(props, *p)
		}
	}
	return props, notes
}

// bindings indexes a snapshot's bindings by reference.
type bindings struct {
	crbs map[string]*rbacv1.ClusterRoleBinding
	rbs  map[string]*rbacv1.RoleBinding // "namespace/name"
	inNS map[string][]*rbacv1.RoleBinding
}

func bindingIndex(snap *snapshot.Snapshot) bindings {
	idx := bindings{crbs: map[string]*rbacv1.ClusterRoleBinding{}, rbs: map[string]*rbacv1.RoleBinding{}, inNS: map[string][]*rbacv1.RoleBinding{}}
	for i := range snap.ClusterRoleBindings {
		idx.crbs[snap.ClusterRoleBindings[i].Name] = &snap.ClusterRoleBindings[i]
	}
	for i := range snap.RoleBindings {
		b := &snap.RoleBindings[i]
		idx.rbs[b.Namespace+"/"+b.Name] = b
		idx.inNS[b.Namespace] = append(idx.inNS[b.Namespace], b)
	}
	return idx
}

// narrowing is the narrowing of one binding.
type narrowing struct {
	snap *snapshot.Snapshot
	ten  *tenancy.Tenancy
	b    *rbac.Binding
	fs   []finding.Finding
	idx  bindings

	meta *metav1.ObjectMeta
	crb  *rbacv1.ClusterRoleBinding
	rb   *rbacv1.RoleBinding
}

// resolve finds the binding's object in the snapshot.
func (n *narrowing) resolve() bool {
	if n.b.Namespace == "" {
		n.crb = n.idx.crbs[n.b.Ref.Name]
		if n.crb != nil {
			n.meta = &n.crb.ObjectMeta
		}
	} else {
		n.rb = n.idx.rbs[n.b.Namespace+"/"+n.b.Ref.Name]
		if n.rb != nil {
			n.meta = &n.rb.ObjectMeta
		}
	}
	return n.meta != nil && n.b.Role != nil
}

// system says why the binding belongs to a system component, or "".
func (n *narrowing) system() string {
	switch {
	case strings.HasPrefix(n.meta.Name, "system:"):
		return "a system component's binding"
	case n.meta.Labels["kubernetes.io/bootstrapping"] == "rbac-defaults":
		return "part of the bootstrap policy"
	case n.b.Namespace != "" && n.ten.IsSystem(n.b.Namespace):
		return "a binding in system namespace " + n.b.Namespace
	}
	return ""
}

// reasons joins the findings' reasons and IDs.
func (n *narrowing) reasons() string {
	var out []string
	for _, f := range n.fs {
		out = append(out, f.Reason+" ("+f.ID+")")
	}
	return strings.Join(out, "; ")
}

// taken is a subject that leaves the binding, and the tenant it belongs
// to: a tenant's name, or "" for none ("*" for a group of everyone).
type taken struct {
	subject rbac.Subject
	home    string
}

// propose returns the proposal for the binding, or nil when every subject
// across tenants is left alone, and notes on those left alone.
func (n *narrowing) propose() (*Proposal, []string) {
	var notes []string
	homes := map[finding.Ref]string{}
	var closes []string
	for _, f := range n.fs {
		if f.SourceTenant == tenancy.Platform {
			for _, s := range f.Subjects {
				notes = append(notes, fmt.Sprintf("%s keeps %s: it belongs to the platform, whose power over tenants is by design (%s).", s, n.b.Ref, f.ID))
			}
			continue
		}
		closes = append(closes, f.ID)
		for _, s := range f.Subjects {
			homes[s] = f.SourceTenant
		}
	}
	if len(homes) == 0 {
		return nil, notes
	}
	var gone []taken
	var kept []rbacv1.Subject
	for i, raw := range n.b.Subjects {
		s, ok := n.b.SubjectAt(i)
		if home, cross := homes[rbac.SubjectRef(s)]; ok && cross {
			if !slices.ContainsFunc(gone, func(g taken) bool { return g.subject == s }) {
				gone = append(gone, taken{s, home})
			}
			continue
		}
		kept = append(kept, raw)
	}
	slices.Sort(closes)
	closes = slices.Compact(closes)
	p := n.proposal(gone, kept, closes)
	return &p, notes
}

// proposal builds the proposal that takes the subjects gone out of the
// binding, kept staying.
func (n *narrowing) proposal(gone []taken, kept []rbacv1.Subject, closes []string) Proposal {
	var apply, del, before []runtime.Object
	original := n.object(nil, false, nil)
	before = append(before, original)
	remains := false
	for i := range kept {
		if _, ok := (&rbac.Binding{Namespace: n.b.Namespace, Subjects: kept}).SubjectAt(i); ok {
			remains = true
		}
	}
	if remains {
		apply = append(apply, n.object(kept, true, closes))
	} else {
		del = append(del, original)
	}
	var d strings.Builder
	d.WriteString(n.reasons() + ".\n")
	var tenants []string
	if n.crb != nil {
		rbs, lines := n.roleBindings(gone, closes)
		for _, rb := range rbs {
			apply = append(apply, rb)
			if !slices.Contains(tenants, n.ten.Of(rb.Namespace)) {
				tenants = append(tenants, n.ten.Of(rb.Namespace))
			}
		}
		for _, l := range lines {
			d.WriteString(l + "\n")
		}
		if lost := clusterWide(n.b.Role.Rules); len(lost) > 0 {
			fmt.Fprintf(&d, "RoleBindings grant %s only in their namespace: what it grants outside namespaces (%s) and across every namespace at once (list -A) goes with the ClusterRoleBinding.\n", n.b.Role.Ref, strings.Join(lost, ", "))
		}
	} else {
		for _, g := range gone {
			fmt.Fprintf(&d, "%s loses %s in namespace %s.\n", g.subject, n.b.Role.Ref, n.b.Namespace)
		}
	}
	if remains {
		fmt.Fprintf(&d, "The binding stays for its other subjects; taken out: %s.\n", subjectList(gone))
	}
	for _, g := range gone {
		if g.subject.Kind != rbacv1.ServiceAccountKind || n.crb == nil {
			continue
		}
		who := g.subject.String() + " is a service account bound cluster-wide"
		if w := n.runBy(g.subject); w != "" {
			who = g.subject.String() + " is the identity of " + w
		}
		fmt.Fprintf(&d, "%s: if it is a controller that acts on every tenant by design (an operator), declare namespace %s a platform namespace (--platform-namespaces %s) instead of applying this, or the controller stops working.\n",
			who, g.subject.Namespace, g.subject.Namespace)
	}
	d.WriteString("Review before applying: a workload or person that relies on this access across tenants loses it.")
	diff, err := objectsDiff(before, apply)
	if err != nil {
		fmt.Fprintf(&d, "\n(no diff: %v)", err)
	}
	return Proposal{
		Layer:  RBAC,
		Title:  n.title(gone, remains, tenants),
		Detail: d.String(),
		Closes: closes,
		Apply:  apply,
		Delete: del,
		Diff:   diff,
	}
}

func (n *narrowing) title(gone []taken, remains bool, tenants []string) string {
	role := n.b.Role.Ref.String()
	switch {
	case len(tenants) > 0:
		return fmt.Sprintf("Narrow %s (%s) to RoleBindings in the namespaces of %s", n.b.Ref, role, plural("tenant", tenants))
	case remains:
		return fmt.Sprintf("Remove %s from %s (%s)", subjectList(gone), n.b.Ref, role)
	}
	return fmt.Sprintf("Delete %s (%s)", n.b.Ref, role)
}

func plural(what string, names []string) string {
	if len(names) == 1 {
		return what + " " + names[0]
	}
	return what + "s " + strings.Join(names, ", ")
}

func subjectList(gone []taken) string {
	var out []string
	for _, g := range gone {
		out = append(out, g.subject.String())
	}
	return strings.Join(out, ", ")
}

// object returns the binding as a user would apply it; with replace, with
// these subjects only and stamped as closing closes.
func (n *narrowing) object(subjects []rbacv1.Subject, replace bool, closes []string) runtime.Object {
	const why = "subjects of other tenants taken out"
	if n.crb != nil {
		c := n.crb.DeepCopy()
		c.TypeMeta = metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"}
		c.ObjectMeta = userMeta(c.ObjectMeta)
		if replace {
			c.Subjects = subjects
			note(&c.ObjectMeta, closes, why)
		}
		return c
	}
	r := n.rb.DeepCopy()
	r.TypeMeta = metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"}
	r.ObjectMeta = userMeta(r.ObjectMeta)
	if replace {
		r.Subjects = subjects
		note(&r.ObjectMeta, closes, why)
	}
	return r
}

// userMeta is the metadata a user writes: without what the API server
// fills in.
func userMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	out := metav1.ObjectMeta{Namespace: m.Namespace, Name: m.Name, Labels: maps.Clone(m.Labels), Annotations: maps.Clone(m.Annotations)}
	delete(out.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	if len(out.Annotations) == 0 {
		out.Annotations = nil
	}
	return out
}

// roleBindings returns the RoleBindings that keep, for each subject taken
// out of a ClusterRoleBinding, its ClusterRole in the namespaces of its own
// tenant (where no RoleBinding grants it already), and a line on each
// subject for the detail.
func (n *narrowing) roleBindings(gone []taken, closes []string) ([]*rbacv1.RoleBinding, []string) {
	perNS := map[string][]rbacv1.Subject{}
	var lines []string
	for _, g := range gone {
		switch g.home {
		case "*":
			lines = append(lines, fmt.Sprintf("%s is an identity of every tenant: no tenant keeps the grant; bind %s to those who need it, where they need it.", g.subject, n.b.Role.Ref))
			continue
		case "", tenancy.Cluster:
			lines = append(lines, fmt.Sprintf("%s belongs to no tenant (no RoleBinding of one tenant's namespaces names it, or those of several do): no RoleBinding replaces the grant. Bind %s with RoleBindings where it is needed, or keep the ClusterRoleBinding if %s operates the cluster.", g.subject, n.b.Role.Ref, g.subject))
			continue
		}
		var added []string
		for _, ns := range n.ten.Namespaces(g.home) {
			if n.holds(g.subject, ns) {
				continue
			}
			perNS[ns] = append(perNS[ns], bindingSubject(g.subject))
			added = append(added, ns)
		}
		if len(added) == 0 {
			lines = append(lines, fmt.Sprintf("%s of tenant %s already holds %s in every namespace of its tenant through RoleBindings.", g.subject, g.home, n.b.Role.Ref))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s of tenant %s keeps %s in its tenant's namespaces (%s) through RoleBindings.", g.subject, g.home, n.b.Role.Ref, strings.Join(added, ", ")))
	}
	nss := make([]string, 0, len(perNS))
	for ns := range perNS {
		nss = append(nss, ns)
	}
	slices.Sort(nss)
	out := make([]*rbacv1.RoleBinding, 0, len(nss))
	for _, ns := range nss {
		rb := &rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: n.freeName(ns)},
			Subjects:   perNS[ns],
			RoleRef:    n.crb.RoleRef,
		}
		stamp(&rb.ObjectMeta, closes, "keeps "+n.b.Role.Ref.String()+" of "+n.b.Ref.String()+" in its subjects' own tenant")
		out = append(out, rb)
	}
	return out, lines
}

// holds reports whether a RoleBinding of namespace ns already binds the
// subject to the ClusterRoleBinding's role.
func (n *narrowing) holds(s rbac.Subject, ns string) bool {
	for _, rb := range n.idx.inNS[ns] {
		if rb.RoleRef.Kind != "ClusterRole" || rb.RoleRef.Name != n.crb.RoleRef.Name {
			continue
		}
		b := rbac.Binding{Namespace: ns, Subjects: rb.Subjects}
		for x := range b.Resolved() {
			if x == s {
				return true
			}
		}
	}
	return false
}

// freeName is a name for a RoleBinding in ns taken by no RoleBinding there:
// the ClusterRoleBinding's, or that with a suffix.
func (n *narrowing) freeName(ns string) string {
	base := n.crb.Name
	for i := 1; ; i++ {
		name := base
		switch {
		case i == 2:
			name = base + "-narrowed"
		case i > 2:
			name = fmt.Sprintf("%s-narrowed-%d", base, i-1)
		}
		if over := len(name) - 253; over > 0 { // the longest object name
			name = base[:len(base)-over] + name[len(base):]
		}
		if n.idx.rbs[ns+"/"+name] == nil {
			return name
		}
	}
}

// bindingSubject is the binding subject naming s.
func bindingSubject(s rbac.Subject) rbacv1.Subject {
	if s.Kind == rbacv1.ServiceAccountKind {
		return rbacv1.Subject{Kind: s.Kind, Name: s.Name, Namespace: s.Namespace}
	}
	return rbacv1.Subject{Kind: s.Kind, APIGroup: rbacv1.GroupName, Name: s.Name}
}

// clusterWide lists what rules grant outside namespaces: non-resource URLs
// and cluster-scoped resources.
func clusterWide(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		if len(r.Verbs) == 0 {
			continue
		}
		out = append(out, r.NonResourceURLs...)
		for _, res := range r.Resources {
			base, _, _ := strings.Cut(res, "/")
			for _, g := range r.APIGroups {
				arg := base
				if g != "" && g != "*" {
					arg += "." + g
				}
				switch x, ok := rbac.LookupResource(arg); {
				case base == "*":
					out = append(out, "every cluster-scoped resource")
				case ok && !x.Namespaced:
					out = append(out, res)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// runBy names the workload that runs as a service account subject
// ("Deployment capsule-system/capsule"), or "" when none does or the
// subject is no service account.
func (n *narrowing) runBy(s rbac.Subject) string {
	if s.Kind != rbacv1.ServiceAccountKind {
		return ""
	}
	for i := range n.snap.Pods {
		p := &n.snap.Pods[i]
		if p.Namespace == s.Namespace && p.Spec.ServiceAccountName == s.Name {
			kind, name := snapshot.Workload(p)
			return kind + " " + p.Namespace + "/" + name
		}
	}
	return ""
}
