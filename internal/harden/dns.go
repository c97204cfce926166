package harden

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

/*
CoreDNS's kubernetes plugin (https://coredns.io/plugins/kubernetes/):

	pods POD-MODE sets the mode for handling IP-based pod A records, e.g.
	1-2-3-4.ns.pod.cluster.local. in A 1.2.3.4. ... disabled: Default. Do
	not process pod requests, always returning NXDOMAIN. insecure: Always
	return an A record with IP from request (without checking k8s). ...
	verified: Return an A record if there exists a pod in same namespace
	with matching IP.

	kubernetes [ZONES...] ... ZONES zones the plugin should be authoritative
	for. If empty, the zones from the configuration block are used.

The plan edits the Corefile as little as it can: the mode on each `pods`
line, and the reverse zones on each `kubernetes` line. Every other byte
stays as it was, comments and spacing included.
*/

// DNSPlan proposes a Corefile that closes what the CoreDNS configuration
// lets every pod do across tenants: `pods insecure` (names in any
// namespace's zone spoofed, BH-DNS-001) and `pods verified` (pod addresses
// confirmed, BH-DNS-001 at low) become `pods disabled`, and the reverse
// zones (a PTR sweep names every tenant's Services, BH-DNS-002) are dropped
// from the kubernetes plugin's zones. When a workload appears to look up
// pod records (a pod-style name in its command, arguments or environment,
// or a Service of type ExternalName pointing at one), `pods insecure`
// becomes `pods verified` instead, which keeps real pods' records. Nothing
// is proposed when the Corefile is fine or missing.
func DNSPlan(snap *snapshot.Snapshot, ten *tenancy.Tenancy, opts Options) []Proposal {
	cm, text, ok := dns.Corefile(snap)
	if !ok {
		return nil
	}
	plugins := dns.ParseCorefile(text)
	users := podRecordUsers(snap, plugins)
	mode := "disabled"
	if len(users) > 0 {
		mode = "verified"
	}
	e := editCorefile(text, plugins, mode)
	if len(e.changes) == 0 {
		return nil
	}
	return []Proposal{e.proposal(cm, text, users)}
}

// corefileEdit is what DNSPlan changes in a Corefile.
type corefileEdit struct {
	patched string
	// mode is the pods mode the edit sets; pods and zones say whether it
	// set one and dropped reverse zones.
	mode          string
	pods, zones   bool
	closes        []string
	changes, kept []string // one line each, for the detail
}

// editCorefile sets the pods mode of the kubernetes plugins that answer
// pod records less strictly than mode, and drops their reverse zones.
func editCorefile(text string, plugins []dns.KubernetesPlugin, mode string) corefileEdit {
	e := corefileEdit{mode: mode}
	lines := strings.SplitAfter(text, "\n")
	for _, k := range plugins {
		rz := k.ReverseZones()
		switch {
		case len(rz) == 0 || k.Line > len(lines):
		case len(rz) == len(k.Zones):
			// Without zones the plugin would serve its server block's,
			// "." included: leave the block to a human.
			e.kept = append(e.kept, fmt.Sprintf("line %d (server %s) serves only reverse zones (%s): remove that kubernetes block by hand if nothing needs it", k.Line, k.Server, strings.Join(rz, ", ")))
		default:
			l, ok := dropZones(lines[k.Line-1], rz)
			if !ok {
				break
			}
			lines[k.Line-1] = l
			e.zones = true
			e.changes = append(e.changes, fmt.Sprintf("line %d (server %s): zones %s dropped", k.Line, k.Server, strings.Join(rz, ", ")))
			e.closes = append(e.closes, dns.IDReverseZones)
		}
		looser := k.Pods == "insecure" || mode == "disabled" && k.Pods == "verified"
		if looser && k.PodsLine > 0 && k.PodsLine <= len(lines) {
			if l, ok := setPodsMode(lines[k.PodsLine-1], mode); ok {
				lines[k.PodsLine-1] = l
				e.pods = true
				e.changes = append(e.changes, fmt.Sprintf("line %d (server %s): pods %s → pods %s", k.PodsLine, k.Server, k.Pods, mode))
				if mode == "disabled" {
					e.closes = append(e.closes, dns.IDPodRecords)
				}
			}
		}
	}
	e.patched = strings.Join(lines, "")
	slices.Sort(e.closes)
	e.closes = slices.Compact(e.closes)
	return e
}

// proposal is the proposal to replace the Corefile of cm, text, with the
// edited one.
func (e corefileEdit) proposal(cm *corev1.ConfigMap, text string, users []string) Proposal {
	var what []string
	if e.pods {
		what = append(what, "pods "+e.mode)
	}
	if e.zones {
		what = append(what, "no reverse zones")
	}
	var d strings.Builder
	fmt.Fprintf(&d, "ConfigMap %s/%s, key Corefile:\n", cm.Namespace, cm.Name)
	for _, c := range e.changes {
		fmt.Fprintf(&d, "- %s\n", c)
	}
	for _, k := range e.kept {
		fmt.Fprintf(&d, "- not changed: %s\n", k)
	}
	switch {
	case e.pods && e.mode == "disabled":
		d.WriteString("`pods disabled` answers no pod-style name (A-B-C-D.NAMESPACE.pod.<zone>): no tenant can make a name in another tenant's zone resolve to an address of its choosing, nor confirm which addresses are whose pods. " +
			"Services, headless Services and StatefulSet pod names (POD.SERVICE.NAMESPACE.svc.<zone>) keep resolving. " +
			"If a workload does look up pod-style names, use `pods verified` instead: it answers only for pods that exist (no spoofing), though a sweep still finds every tenant's pod addresses.\n")
	case e.pods:
		fmt.Fprintf(&d, "`pods verified` answers a pod-style name only for a pod of that namespace with that address: names can no longer be spoofed, but a sweep still confirms every tenant's pod addresses (BH-DNS-001 stays, at low). "+
			"`pods disabled` would close that too, but these appear to look up pod-style names: %s.\n", strings.Join(users, ", "))
	}
	if e.zones {
		d.WriteString("Without the reverse zones the kubernetes plugin no longer answers PTR look-ups of cluster addresses, so a sweep of the pod and service ranges names no tenant's Services or pods; those look-ups go on to the next plugin (forward) like any other name. " +
			"The `fallthrough` zones may stay as they are: they only matter for zones the plugin serves.\n")
	}
	if cm.Labels["addonmanager.kubernetes.io/mode"] == "Reconcile" {
		d.WriteString("This ConfigMap is reconciled by the addon manager (addonmanager.kubernetes.io/mode: Reconcile), which undoes a direct edit: make the change where the provider allows it.\n")
	}
	d.WriteString("CoreDNS reads the new Corefile within a minute or two when the reload plugin is on; otherwise restart the CoreDNS pods.")

	why := "CoreDNS with " + strings.Join(what, " and ")
	path := cm.Namespace + "/" + cm.Name + "/Corefile"
	return Proposal{
		Layer:  DNS,
		Title:  "Edit the CoreDNS Corefile: " + strings.Join(what, ", "),
		Detail: d.String(),
		Closes: e.closes,
		Apply:  []runtime.Object{corefileConfigMap(cm, e.patched, e.closes, why)},
		Diff:   unifiedDiff("a/"+path, "b/"+path, text, e.patched),
	}
}

// corefileConfigMap returns the ConfigMap to apply: cm as a user would
// write it, every key kept, with the patched Corefile.
func corefileConfigMap(cm *corev1.ConfigMap, patched string, closes []string, why string) *corev1.ConfigMap {
	next := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   cm.Namespace,
			Name:        cm.Name,
			Labels:      maps.Clone(cm.Labels),
			Annotations: maps.Clone(cm.Annotations),
		},
		Data:       maps.Clone(cm.Data),
		BinaryData: cm.BinaryData,
		Immutable:  cm.Immutable,
	}
	delete(next.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	next.Data["Corefile"] = patched
	note(&next.ObjectMeta, closes, why) // the ConfigMap stays the cluster's
	return next
}

// lineTokens returns the start and end of each whitespace-separated token
// of a Corefile line before its comment.
func lineTokens(line string) [][2]int {
	code := line
	if i := strings.Index(code, "#"); i >= 0 {
		code = code[:i]
	}
	var out [][2]int
	start := -1
	for i := 0; i <= len(code); i++ {
		space := i == len(code) || strings.ContainsRune(" \t\r\n\v\f", rune(code[i]))
		switch {
		case space && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	return out
}

// setPodsMode rewrites the mode of a `pods MODE` line, keeping its
// indentation, spacing and comment.
func setPodsMode(line, mode string) (string, bool) {
	toks := lineTokens(line)
	if len(toks) < 2 || line[toks[0][0]:toks[0][1]] != "pods" {
		return line, false
	}
	m := toks[1]
	return line[:m[0]] + mode + line[m[1]:], true
}

// dropZones removes the zones (compared without case and trailing dot)
// from a `kubernetes ZONES... [{]` line, each with the blanks before it.
func dropZones(line string, zones []string) (string, bool) {
	toks := lineTokens(line)
	if len(toks) < 2 || line[toks[0][0]:toks[0][1]] != "kubernetes" {
		return line, false
	}
	var b strings.Builder
	last := 0
	dropped := false
	for i, t := range toks[1:] {
		z := strings.ToLower(strings.TrimSuffix(line[t[0]:t[1]], "."))
		if !slices.Contains(zones, z) {
			continue
		}
		b.WriteString(line[last:toks[i][1]]) // up to the end of the token before
		last = t[1]
		dropped = true
	}
	b.WriteString(line[last:])
	return b.String(), dropped
}

// podRecordUsers names the pods and Services that appear to look up
// pod-style names in the zones of the kubernetes plugins: "pod.<zone>" in a
// container's command, arguments or environment, or a Service of type
// ExternalName pointing there.
func podRecordUsers(snap *snapshot.Snapshot, plugins []dns.KubernetesPlugin) []string {
	var needles []string
	for _, k := range plugins {
		for _, z := range k.Zones {
			z = strings.ToLower(strings.TrimSuffix(z, "."))
			if z != "" && !strings.HasSuffix(z, ".arpa") {
				needles = append(needles, ".pod."+z)
			}
		}
	}
	if len(needles) == 0 {
		needles = []string{".pod.cluster.local"}
	}
	mentions := func(s string) bool {
		s = strings.ToLower(s)
		for _, n := range needles {
			if strings.Contains(s, n) {
				return true
			}
		}
		return false
	}
	var out []string
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if podMentions(&p.Spec, mentions) {
			out = append(out, "Pod "+p.Namespace+"/"+p.Name)
		}
	}
	for i := range snap.Services {
		s := &snap.Services[i]
		if s.Spec.Type == corev1.ServiceTypeExternalName && mentions(s.Spec.ExternalName) {
			out = append(out, "Service "+s.Namespace+"/"+s.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func podMentions(spec *corev1.PodSpec, mentions func(string) bool) bool {
	all := append(slices.Clone(spec.InitContainers), spec.Containers...)
	for _, c := range all {
		for _, s := range append(slices.Clone(c.Command), c.Args...) {
			if mentions(s) {
				return true
			}
		}
		for _, e := range c.Env {
			if mentions(e.Value) {
				return true
			}
		}
	}
	return false
}
