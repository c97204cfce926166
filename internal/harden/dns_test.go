package harden

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/dns"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
)

// kubeadmCorefile is the Corefile kubeadm writes (and the demo's).
const kubeadmCorefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`

// k3sCorefile is the Corefile k3s ships, its cluster domain filled in.
const k3sCorefile = `.:53 {
    errors
    health
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
      pods insecure
      fallthrough in-addr.arpa ip6.arpa
    }
    hosts /etc/coredns/NodeHosts {
      ttl 60
      reload 15s
      fallthrough
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
    import /etc/coredns/custom/*.override
}
import /etc/coredns/custom/*.server
`

// serversCorefile has several server blocks, comments, odd spacing and
// case, and a zone with a trailing dot.
const serversCorefile = `# Company DNS: the cluster zone first.
cluster.local:53 {
    errors
    kubernetes cluster.local 10.in-addr.arpa. {   # the cluster zone
        pods   INSECURE   # kube-dns compatibility
        fallthrough 10.in-addr.arpa
    }
    cache 30
}
example.org:53 {
    # pods insecure (not a kubernetes block)
    forward . 10.0.0.53
}
.:53 {
    kubernetes  svc.internal  ip6.arpa  {
        pods verified
    }
    forward . /etc/resolv.conf
}
`

func corednsConfigMap(corefile string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "coredns", ResourceVersion: "7",
			Labels: map[string]string{"k8s-app": "kube-dns"}},
		Data: map[string]string{"Corefile": corefile, "NodeHosts": "10.0.0.1 node-1\n"},
	}
}

// withObjects returns a copy of the snapshot where the objects replace
// those of the same kind, namespace and name, or are added.
func withObjects(t *testing.T, snap *snapshot.Snapshot, objs ...runtime.Object) *snapshot.Snapshot {
	t.Helper()
	return adoptProposal(t, snap, Proposal{Apply: objs})
}

func TestDNSPlanCorefiles(t *testing.T) {
	tests := []struct {
		name, corefile string
		extra          []runtime.Object
		want           string // the patched Corefile, "" for no proposal
		closes         []string
	}{
		{name: "kubeadm", corefile: kubeadmCorefile,
			want: strings.Replace(strings.Replace(kubeadmCorefile,
				"kubernetes cluster.local in-addr.arpa ip6.arpa {", "kubernetes cluster.local {", 1),
				"pods insecure", "pods disabled", 1),
			closes: []string{dns.IDPodRecords, dns.IDReverseZones}},
		{name: "k3s", corefile: k3sCorefile,
			want: strings.Replace(strings.Replace(k3sCorefile,
				"kubernetes cluster.local in-addr.arpa ip6.arpa {", "kubernetes cluster.local {", 1),
				"pods insecure", "pods disabled", 1),
			closes: []string{dns.IDPodRecords, dns.IDReverseZones}},
		{name: "several servers and comments", corefile: serversCorefile,
			want: strings.NewReplacer(
				"kubernetes cluster.local 10.in-addr.arpa. {   # the cluster zone", "kubernetes cluster.local {   # the cluster zone",
				"pods   INSECURE   # kube-dns", "pods   disabled   # kube-dns",
				"kubernetes  svc.internal  ip6.arpa  {", "kubernetes  svc.internal  {",
				"pods verified", "pods disabled").Replace(serversCorefile),
			closes: []string{dns.IDPodRecords, dns.IDReverseZones}},
		{name: "CRLF line ends are kept", corefile: strings.ReplaceAll(kubeadmCorefile, "\n", "\r\n"),
			want: strings.ReplaceAll(strings.Replace(strings.Replace(kubeadmCorefile,
				"kubernetes cluster.local in-addr.arpa ip6.arpa {", "kubernetes cluster.local {", 1),
				"pods insecure", "pods disabled", 1), "\n", "\r\n"),
			closes: []string{dns.IDPodRecords, dns.IDReverseZones}},
		{name: "a pod that looks up pod records keeps them, verified", corefile: kubeadmCorefile,
			extra: []runtime.Object{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "client"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x",
					Env: []corev1.EnvVar{{Name: "PEER", Value: "10-1-0-7.a.pod.cluster.local"}}}}}}},
			want: strings.Replace(strings.Replace(kubeadmCorefile,
				"kubernetes cluster.local in-addr.arpa ip6.arpa {", "kubernetes cluster.local {", 1),
				"pods insecure", "pods verified", 1),
			closes: []string{dns.IDReverseZones}},
		{name: "an ExternalName Service to a pod record keeps them too", corefile: "cluster.local {\n  kubernetes cluster.local {\n    pods insecure\n  }\n}\n",
			extra: []runtime.Object{&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "peer"},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "10-1-0-7.b.POD.cluster.local"}}},
			want: "cluster.local {\n  kubernetes cluster.local {\n    pods verified\n  }\n}\n"},
		{name: "pods disabled and no reverse zones: nothing to do", corefile: ".:53 {\n  kubernetes cluster.local {\n    pods disabled\n  }\n}\n"},
		{name: "the default pods mode: nothing to do", corefile: ".:53 {\n  kubernetes cluster.local\n}\n"},
		{name: "a block of reverse zones only is left to a human", corefile: ".:53 {\n  kubernetes in-addr.arpa {\n    pods insecure\n  }\n}\n",
			want: ".:53 {\n  kubernetes in-addr.arpa {\n    pods disabled\n  }\n}\n", closes: []string{dns.IDPodRecords}},
		{name: "garbage is no Corefile", corefile: "}}} { pods\nkubernetes {{ #\n\x00\n"},
		{name: "empty", corefile: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := append([]runtime.Object{namespace("a", nil), namespace("b", nil), corednsConfigMap(tt.corefile)}, tt.extra...)
			snap := buildSnapshot(t, objs...)
			ten := resolveTenancy(t, snap)
			got := DNSPlan(snap, ten, Options{})
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("proposed %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d proposals, want 1", len(got))
			}
			p := got[0]
			cm := checkCorefileProposal(t, p, tt.corefile)
			if d := cmp.Diff(tt.want, cm.Data["Corefile"]); d != "" {
				t.Errorf("Corefile (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.closes, p.Closes); d != "" {
				t.Errorf("closes (-want +got):\n%s", d)
			}
			if cm.Labels["k8s-app"] != "kube-dns" || cm.Data["NodeHosts"] != "10.0.0.1 node-1\n" {
				t.Errorf("the ConfigMap lost its labels or keys: %v, %v", cm.Labels, cm.Data)
			}
			after := withObjects(t, snap, cm)
			changes := p.Closes
			if strings.Contains(tt.want, "pods verified") {
				changes = append(slices.Clone(changes), dns.IDPodRecords) // lowered, not closed
				for _, f := range dns.Analyze(after, resolveTenancy(t, after)) {
					if f.ID == dns.IDPodRecords && f.Severity != finding.Low {
						t.Errorf("pods verified: %s at %s", f.ID, f.Severity)
					}
				}
			}
			checkDNSClosed(t, snap, after, p.Closes, changes)
			if again := DNSPlan(after, resolveTenancy(t, after), Options{}); len(again) != 0 {
				t.Errorf("not idempotent: on its own output it proposes %q", again[0].Title)
			}
		})
	}
}

// checkCorefileProposal checks the proposal's ConfigMap (typed, stamped,
// every other key kept, no server fields) and that the edit changed only
// pods and kubernetes lines; it returns the ConfigMap.
func checkCorefileProposal(t *testing.T, p Proposal, before string) *corev1.ConfigMap {
	t.Helper()
	if p.Layer != DNS || len(p.Apply) != 1 || len(p.Delete) != 0 {
		t.Fatalf("proposal %+v", p)
	}
	cm, ok := p.Apply[0].(*corev1.ConfigMap)
	if !ok {
		t.Fatalf("applies a %T", p.Apply[0])
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Namespace != "kube-system" || cm.Name != "coredns" || cm.ResourceVersion != "" {
		t.Errorf("identity %s/%s %s/%s rv %q", cm.APIVersion, cm.Kind, cm.Namespace, cm.Name, cm.ResourceVersion)
	}
	if _, claimed := cm.Labels[ManagedByLabel]; claimed {
		t.Errorf("the cluster's ConfigMap claimed as harden's: labels %v", cm.Labels)
	}
	if got := cm.Annotations[ClosesAnnotation]; got != strings.Join(p.Closes, ",") {
		t.Errorf("closes annotation %q, closes %v", got, p.Closes)
	}
	a, b := strings.SplitAfter(before, "\n"), strings.SplitAfter(cm.Data["Corefile"], "\n")
	if len(a) != len(b) {
		t.Fatalf("%d lines became %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] && !strings.HasPrefix(strings.TrimSpace(a[i]), "pods") && !strings.HasPrefix(strings.TrimSpace(a[i]), "kubernetes") {
			t.Errorf("line %d changed: %q → %q", i+1, a[i], b[i])
		}
	}
	if p.Diff == "" || !strings.HasPrefix(p.Diff, "--- a/kube-system/coredns/Corefile\n+++ b/kube-system/coredns/Corefile\n") {
		t.Errorf("diff:\n%s", p.Diff)
	}
	return cm
}

// checkDNSClosed re-analyses DNS after the change: the closed findings are
// gone, and every finding but those of changes is as it was.
func checkDNSClosed(t *testing.T, before, after *snapshot.Snapshot, closes, changes []string) {
	t.Helper()
	keep := func(fs []finding.Finding) []string {
		var out []string
		for _, f := range fs {
			if !slices.Contains(changes, f.ID) {
				out = append(out, fmt.Sprintf("%s %s %s", f.ID, f.Severity, f.Reason))
			}
		}
		return out
	}
	was, is := dns.Analyze(before, resolveTenancy(t, before)), dns.Analyze(after, resolveTenancy(t, after))
	for _, f := range is {
		if slices.Contains(closes, f.ID) {
			t.Errorf("still %s: %s", f.ID, f.Reason)
		}
	}
	if d := cmp.Diff(keep(was), keep(is)); d != "" {
		t.Errorf("other DNS findings changed (-before +after):\n%s", d)
	}
}

func TestDNSPlanSeed(t *testing.T) {
	snap, ten := seedInput(t)
	got := DNSPlan(snap, ten, Options{})
	if len(got) != 1 {
		t.Fatalf("%d proposals, want 1", len(got))
	}
	_, before, _ := dns.Corefile(snap)
	cm := checkCorefileProposal(t, got[0], before)
	after := withObjects(t, snap, cm)
	checkDNSClosed(t, snap, after, got[0].Closes, got[0].Closes)
	if fs := dns.Analyze(after, resolveTenancy(t, after)); len(fs) != 0 {
		t.Errorf("the demo's DNS still has findings: %v", fs)
	}
	text := renderProposals(t, got)
	if again := renderProposals(t, DNSPlan(snap, ten, Options{})); again != text {
		t.Error("a second run differs")
	}
	goldenLayer(t, "dns", "seed.txt", text)
}

func TestDNSPlanNoCoreDNS(t *testing.T) {
	for name, cm := range map[string]*corev1.ConfigMap{
		"no ConfigMap":  nil,
		"no Corefile":   {ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "coredns"}, Data: map[string]string{"other": "pods insecure"}},
		"another place": {ObjectMeta: metav1.ObjectMeta{Namespace: "dns", Name: "coredns"}, Data: map[string]string{"Corefile": kubeadmCorefile}},
	} {
		t.Run(name, func(t *testing.T) {
			objs := []runtime.Object{namespace("a", nil)}
			if cm != nil {
				objs = append(objs, cm)
			}
			snap := buildSnapshot(t, objs...)
			if got := DNSPlan(snap, resolveTenancy(t, snap), Options{}); len(got) != 0 {
				t.Errorf("proposed %q", got[0].Title)
			}
		})
	}
}

func TestDNSPlanAddonManager(t *testing.T) {
	cm := corednsConfigMap(kubeadmCorefile)
	cm.Labels["addonmanager.kubernetes.io/mode"] = "Reconcile"
	snap := buildSnapshot(t, cm)
	got := DNSPlan(snap, resolveTenancy(t, snap), Options{})
	if len(got) != 1 || !strings.Contains(got[0].Detail, "addon manager") {
		t.Errorf("no warning that the addon manager undoes the edit: %+v", got)
	}
}

func TestCorefileLineEdits(t *testing.T) {
	tests := []struct {
		name, line, want string
		edit             func(string) (string, bool)
	}{
		{"pods mode, comment kept", "   pods insecure # why\n", "   pods disabled # why\n", func(l string) (string, bool) { return setPodsMode(l, "disabled") }},
		{"pods without a mode", "   pods\n", "   pods\n", func(l string) (string, bool) { return setPodsMode(l, "disabled") }},
		{"not a pods line", "   podsx insecure\n", "   podsx insecure\n", func(l string) (string, bool) { return setPodsMode(l, "disabled") }},
		{"zones in the middle", "  kubernetes in-addr.arpa cluster.local ip6.arpa {\n", "  kubernetes cluster.local {\n", func(l string) (string, bool) { return dropZones(l, []string{"in-addr.arpa", "ip6.arpa"}) }},
		{"a zone in a comment stays", "  kubernetes cluster.local # in-addr.arpa\n", "  kubernetes cluster.local # in-addr.arpa\n", func(l string) (string, bool) { return dropZones(l, []string{"in-addr.arpa"}) }},
		{"tabs", "\tkubernetes\tcluster.local\tIN-ADDR.ARPA.\t{\n", "\tkubernetes\tcluster.local\t{\n", func(l string) (string, bool) { return dropZones(l, []string{"in-addr.arpa"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := tt.edit(tt.line)
			if got != tt.want || changed != (tt.line != tt.want) {
				t.Errorf("got %q (changed %v), want %q", got, changed, tt.want)
			}
		})
	}
}

// renderProposals writes proposals as a reviewer reads them.
func renderProposals(t *testing.T, ps []Proposal) string {
	t.Helper()
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "# %s proposal, closes %v: %s\n# %s\n", p.Layer, p.Closes, p.Title, strings.ReplaceAll(p.Detail, "\n", "\n# "))
		for _, what := range []struct {
			name string
			objs []runtime.Object
		}{{"apply", p.Apply}, {"delete", p.Delete}} {
			if len(what.objs) == 0 {
				continue
			}
			y, err := manifests(what.objs)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "## %s\n%s", what.name, y)
		}
		fmt.Fprintf(&b, "## diff\n%s\n", p.Diff)
	}
	return b.String()
}

// adoptProposal returns a copy of the snapshot with a proposal adopted, as
// the API server would hold it: its Apply objects replace those of the same
// kind, namespace and name (or are added), its Delete objects are removed.
func adoptProposal(t *testing.T, snap *snapshot.Snapshot, p Proposal) *snapshot.Snapshot {
	t.Helper()
	after := snap.Clone()
	change := func(o runtime.Object, del bool) {
		switch x := o.(type) {
		case *corev1.ConfigMap:
			after.ConfigMaps = replaceByName(after.ConfigMaps, x, del)
		case *rbacv1.RoleBinding:
			after.RoleBindings = replaceByName(after.RoleBindings, x, del)
		case *rbacv1.ClusterRoleBinding:
			after.ClusterRoleBindings = replaceByName(after.ClusterRoleBindings, x, del)
		default:
			t.Fatalf("cannot apply a %T", o)
		}
	}
	for _, o := range p.Delete {
		change(o, true)
	}
	for _, o := range p.Apply {
		change(o, false)
	}
	return after
}

// replaceByName returns a new slice of xs without the object of obj's namespace and
// name, plus obj unless del, sorted by namespace and name.
func replaceByName[T any, PT interface {
	*T
	metav1.Object
}](xs []T, obj PT, del bool) []T {
	out := make([]T, 0, len(xs)+1)
	for i := range xs {
		if p := PT(&xs[i]); p.GetNamespace() == obj.GetNamespace() && p.GetName() == obj.GetName() {
			continue
		}
		out = append(out, xs[i])
	}
	if !del {
		out = append(out, *obj)
	}
	slices.SortStableFunc(out, func(a, b T) int {
		pa, pb := PT(&a), PT(&b)
		if c := strings.Compare(pa.GetNamespace(), pb.GetNamespace()); c != 0 {
			return c
		}
		return strings.Compare(pa.GetName(), pb.GetName())
	})
	return out
}
