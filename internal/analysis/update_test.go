package analysis

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/bulkhead-dev/bulkhead/examples"
	"github.com/bulkhead-dev/bulkhead/internal/analysis/analysistest"
	"github.com/bulkhead-dev/bulkhead/internal/load"
	"github.com/bulkhead-dev/bulkhead/internal/node"
	"github.com/bulkhead-dev/bulkhead/internal/snapshot"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// Incremental re-analysis is exact: after each change of a random
// sequence (pods, controllers, NetworkPolicies, bindings, roles, Services,
// Secrets, the Corefile, namespace labels), the report of facts updated
// from the previous ones equals, byte for byte, the report of facts built
// afresh. An engine that reads a resource its Reads does not declare
// keeps stale facts and fails it. It runs with each namespace its own
// tenant, where a namespace's new labels never move it, and with tenants
// by a label the changes set, where they do: the engines that read no
// namespace labels must keep their facts in the first case only.
func TestUpdateEqualsFullAnalysis(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  tenancy.Config
	}{
		{"each namespace a tenant", tenancy.Config{}},
		{"tenants by label", tenancy.Config{Label: "zone"}},
	} {
		t.Run(tc.name, func(t *testing.T) { testUpdate(t, tc.cfg) })
	}
}

func testUpdate(t *testing.T, cfg tenancy.Config) {
	const changes = 1000
	demo, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	bases := []*snapshot.Snapshot{demo}
	r := rand.New(rand.NewSource(12))
	for len(bases) < 10 {
		bases = append(bases, analysistest.Cluster(r))
	}
	done, reused := 0, map[string]int{}
	// netKept counts by change the network models kept though the network
	// engine reads what changed (netpol.Model.Keeps); netKeptSelecting
	// those kept over a node relabelled where a policy selects nodes.
	netKept, netKeptSelecting := map[string]int{}, 0
	// servicesKept counts by change the Service checks' findings kept
	// though the network engine, which reports them, reads what changed.
	servicesKept := map[string]int{}
	relabels, keptOnRelabel, moved, nodeKeptOnRelabel, graphKeptOnRelabel := 0, 0, 0, 0, 0
	// refusing counts the changes after which Pod Security refuses some
	// pod, refusalsMoved those where the change moved the list; ranKept
	// those whose report Run took from the one before (Facts.ranFrom);
	// tenancyKept those that kept the tenancy (tenancy.ResolveSince).
	refusing, refusalsMoved, ranKept, tenancyKept := 0, 0, 0, 0
	for b := 0; done < changes; b++ {
		base := bases[b%len(bases)]
		st := snapshot.NewStore(base.Clone())
		if b%3 == 1 {
			sharpen(st)
		}
		if cfg.Label != "" {
			zoneNamespaces(r, st, cfg.Label)
		}
		facts, _ := analyse(t, st.View(), cfg, nil, nil)
		selects := len(st.View().AdminNetworkPolicies) > 0
		for step := 0; step < 25 && done < changes; step++ {
			what, keys := analysistest.Change(r, st)
			done++
			inc, stale := analyse(t, st.View(), cfg, facts, keys)
			full, _ := analyse(t, st.ViewFromScratch(), cfg, nil, nil)
			if stale["network"] && inc.net == facts.net {
				netKept[what]++
				if what == "dedicate node" && selects {
					netKeptSelecting++
				}
			}
			for _, e := range Engines() {
				if !stale[e.Name] {
					reused[e.Name]++
				}
			}
			if stale["network"] && len(facts.services) > 0 && len(inc.services) > 0 && &inc.services[0] == &facts.services[0] {
				servicesKept[what]++
			}
			if what == "label namespace" && !reflect.DeepEqual(facts.Snapshot.Namespace(keys[0].Name).Labels, inc.Snapshot.Namespace(keys[0].Name).Labels) {
				relabels++
				if !stale["api"] {
					keptOnRelabel++
				}
				name := keys[0].Name
				psaMoved := node.PolicyMoved(name, facts.Snapshot.Namespace(name).Labels, inc.Snapshot.Namespace(name).Labels)
				switch {
				case psaMoved && !stale["node"]:
					t.Errorf("base %d, change %d: the Pod Security labels moved, but the node facts were kept", b, step)
				case !psaMoved && reflect.DeepEqual(facts.Tenancy, inc.Tenancy):
					if stale["node"] {
						t.Errorf("base %d, change %d: labels the node engine does not read moved, but its facts were not kept", b, step)
					}
					nodeKeptOnRelabel++
				}
				if inc.graph.Load() == facts.graph.Load() {
					graphKeptOnRelabel++
				}
				if !reflect.DeepEqual(facts.Tenancy, inc.Tenancy) {
					moved++
					if !stale["api"] || !stale["dns"] {
						t.Errorf("base %d, change %d: the tenancy moved, but facts were kept: stale %v", b, step, stale)
					}
				}
			}
			if len(full.Snapshot.PodSecurity) > 0 {
				refusing++
				if !reflect.DeepEqual(full.Snapshot.PodSecurity, facts.Snapshot.PodSecurity) {
					refusalsMoved++
				}
			}
			if k := runKey(Engines(), Options{Matrix: true}); inc.ranOf(k) == facts.ranOf(k) {
				ranKept++ // Run took the report before (Facts.ranFrom)
			}
			if inc.Tenancy == facts.Tenancy {
				tenancyKept++
			}
			if d := cmp.Diff(report(t, full), report(t, inc)); d != "" {
				t.Fatalf("base %d, change %d (%s, %v): incremental report differs from a full analysis (-full +incremental):\n%s", b, step, what, keys, d)
			}
			facts = inc
		}
	}
	t.Logf("%d changes; facts kept per engine: %v; %d namespace relabels, the API facts kept on %d, the tenancy moved by %d; network models kept on a change it reads: %v; Service findings kept on one: %v",
		done, reused, relabels, keptOnRelabel, moved, netKept, servicesKept)
	for _, what := range []string{"label namespace", "dedicate node"} {
		if servicesKept[what] == 0 {
			t.Errorf("no %q change kept the Service findings: the test does not exercise keepsServices", what)
		}
	}
	for _, what := range []string{"move pod", "dedicate node", "expose service", "edit pod", "label namespace"} {
		if netKept[what] == 0 {
			t.Errorf("no %q change kept the network model: the test does not exercise netpol.Model.Keeps", what)
		}
	}
	if netKeptSelecting > 0 {
		t.Errorf("%d node relabels kept the network model where a policy selects nodes", netKeptSelecting)
	}
	for _, e := range Engines() {
		if reused[e.Name] == 0 {
			t.Errorf("engine %s never kept its facts: the test does not exercise Update", e.Name)
		}
	}
	if keptOnRelabel == 0 {
		t.Error("no namespace relabel kept the API facts: the test does not exercise relabelling")
	}
	if cfg.Label == "" && nodeKeptOnRelabel == 0 {
		t.Error("no namespace relabel kept the node facts: the test does not exercise node.PolicyMoved")
	}
	if cfg.Label == "" && graphKeptOnRelabel == 0 {
		t.Error("no namespace relabel kept the attack graph: the test does not exercise Model.KeepsRelabels")
	}
	t.Logf("the attack graph kept on %d namespace relabels", graphKeptOnRelabel)
	t.Logf("Pod Security refused pods after %d changes, and %d moved the list; %d reports were the one before; %d kept the tenancy", refusing, refusalsMoved, ranKept, tenancyKept)
	if tenancyKept == 0 {
		t.Error("no change kept the tenancy: the test does not exercise tenancy.ResolveSince")
	}
	if refusalsMoved == 0 {
		t.Error("no change moved the pods Pod Security refuses: the test does not exercise Facts.DropRefused")
	}
	if cfg.Label == "" && ranKept == 0 {
		t.Error("no report was taken from the one before: the test does not exercise Facts.ranFrom")
	}
	if cfg.Label != "" && moved == 0 {
		t.Error("no namespace relabel moved the tenancy: the test does not exercise tenancy by label")
	}
}

// sharpen adds to st what makes more of a change seen by the network
// model: an agent on the host network of node-0 and an
// AdminNetworkPolicy that denies every namespace's egress to nodes of
// pool 1, which a node's new labels move the agent into or out of; a
// policy that isolates the pods labelled app a1 of a namespace; and the
// cluster's DNS, whose Service port says which port DNS pods serve.
func sharpen(st *snapshot.Store) {
	ns := st.View().Namespaces[0].Name
	agent := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "agent", Labels: map[string]string{"app": "agent"}},
		Spec: corev1.PodSpec{NodeName: "node-0", HostNetwork: true, Containers: []corev1.Container{{Name: "c", Image: "x",
			Ports: []corev1.ContainerPort{{ContainerPort: 9100, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "192.168.0.10", PodIP: "192.168.0.10"}}
	anp := &anpv1alpha1.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "nodes"},
		Spec: anpv1alpha1.AdminNetworkPolicySpec{Priority: 10, Subject: anpv1alpha1.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
			Egress: []anpv1alpha1.AdminNetworkPolicyEgressRule{{Name: "pool-1", Action: anpv1alpha1.AdminNetworkPolicyRuleActionDeny,
				To: []anpv1alpha1.AdminNetworkPolicyEgressPeer{{Nodes: &metav1.LabelSelector{MatchLabels: map[string]string{"pool": "1"}}}}}}}}
	isolate := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "isolate-a1"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "a1"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	system := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}
	dns := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "coredns", Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec: corev1.PodSpec{NodeName: "node-0", Containers: []corev1.Container{{Name: "coredns", Image: "coredns", Ports: []corev1.ContainerPort{
			{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}, {Name: "alt", ContainerPort: 54, Protocol: corev1.ProtocolUDP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.99.2"}}
	dnsService := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-dns"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"k8s-app": "kube-dns"}, ClusterIP: "10.96.0.10",
			Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)}}}}
	for _, o := range []runtime.Object{agent, anp, isolate, system, dns, dnsService} {
		if _, _, err := st.ServerSideApply(o); err != nil {
			panic(err)
		}
	}
}

// zoneNamespaces gives every namespace of st the label key, 0 or 1, the
// values analysistest.Change's relabelling sets.
func zoneNamespaces(r *rand.Rand, st *snapshot.Store, key string) {
	for _, ns := range st.View().Namespaces {
		if _, _, err := st.ServerSideApply(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: map[string]string{key: fmt.Sprint(r.Intn(2))}}}); err != nil {
			panic(err)
		}
	}
}

// analyse takes a store's view as the commands do (Pod Security refusals
// dropped, tenancy resolved by cfg), then makes facts: updated from prev
// when given (Facts.Reanalyse: the refusals and the tenancy too), else
// new. It reports which engines were stale.
func analyse(t *testing.T, view *snapshot.Snapshot, cfg tenancy.Config, prev *Facts, changed []snapshot.Key) (*Facts, map[string]bool) {
	t.Helper()
	if prev == nil {
		node.DropRefused(view)
		ten, err := tenancy.Resolve(view, cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := NewFacts(view, ten)
		reports.Store(f, marshal(t, Run(f, Engines(), Options{Matrix: true})))
		return f, nil
	}
	f, err := prev.Reanalyse(view, changed)
	if err != nil {
		t.Fatal(err)
	}
	reports.Store(f, marshal(t, Run(f, Engines(), Options{Matrix: true})))
	_, _, stale := prev.staleness(view, f.Tenancy, changed)
	return f, stale
}

// reports are the reports analyse made, by facts, until report takes
// them: the first Run of updated facts is the one that takes the report
// before (Facts.ranFrom).
var reports sync.Map

// report is the report analyse made of f, or else a new one.
func report(t *testing.T, f *Facts) string {
	t.Helper()
	if r, ok := reports.LoadAndDelete(f); ok {
		return r.(string)
	}
	return marshal(t, Run(f, Engines(), Options{Matrix: true}))
}

func marshal(t *testing.T, r *Report) string {
	t.Helper()
	out, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestSeenControllers: a changed controller is seen through its
// representative pod only; one whose pods run, before and after, changes
// nothing the engines read, unless the representatives of the views differ
// (a Deployment that takes over a ReplicaSet standing for itself).
func TestSeenControllers(t *testing.T) {
	const base = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: running, namespace: a}
spec:
  selector: {matchLabels: {app: running}}
  template:
    metadata: {labels: {app: running}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: running-1, namespace: a, labels: {app: running}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle, namespace: a}
spec:
  selector: {matchLabels: {app: idle}}
  template:
    metadata: {labels: {app: idle}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: orphan-1, namespace: a, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: orphan, uid: u}]}
spec:
  selector: {matchLabels: {app: orphan}}
  template:
    metadata: {labels: {app: orphan}}
    spec: {containers: [{name: c, image: nginx}]}
`
	deployment := func(name, app string, privileged bool) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "a"}, Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}}}}}
	}
	for _, tc := range []struct {
		name string
		obj  *appsv1.Deployment
		seen bool
	}{
		{"a controller whose pods run", deployment("running", "running", true), false},
		{"a controller standing for itself", deployment("idle", "idle", true), true},
		{"a new controller taking over a ReplicaSet's representative", deployment("orphan", "orphan", false), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := &snapshot.Snapshot{}
			load.Bytes(snap, "base.yaml", []byte(base))
			st := snapshot.NewStore(snap)
			prev := NewFacts(st.View(), nil)
			key, _, err := st.ServerSideApply(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			got := prev.seen(st.View(), []snapshot.Key{key})
			if (len(got) == 1) != tc.seen {
				t.Errorf("seen = %v, want the change seen: %v", got, tc.seen)
			}
		})
	}
}

// TestUpdateNamespaceGoesWithItsLastPod: a namespace the snapshot does not
// list lives through its pods alone; once the last is deleted, its
// missing Pod Security label no longer lets a tenant bound there escape.
func TestUpdateNamespaceGoesWithItsLastPod(t *testing.T) {
	const cluster = `apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: x}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: run, namespace: x}
rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: run, namespace: x}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: run}
subjects: [{kind: ServiceAccount, name: default, namespace: a}]
---
apiVersion: v1
kind: Pod
metadata: {name: pa, namespace: a}
spec: {nodeName: n1, containers: [{name: c, image: nginx}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: pb, namespace: b}
spec: {nodeName: n1, containers: [{name: c, image: nginx}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: px, namespace: x}
spec: {nodeName: n1, containers: [{name: c, image: nginx}]}
status: {phase: Running}
`
	snap := &snapshot.Snapshot{}
	load.Bytes(snap, "cluster.yaml", []byte(cluster))
	if len(snap.Problems) > 0 {
		t.Fatal(snap.Problems)
	}
	st := snapshot.NewStore(snap)
	prev, _ := analyse(t, st.View(), tenancy.Config{}, nil, nil)
	key := snapshot.Key{Resource: schema.GroupResource{Resource: "pods"}, Namespace: "x", Name: "px"}
	st.Delete(key)
	inc, _ := analyse(t, st.View(), tenancy.Config{}, prev, []snapshot.Key{key})
	full, _ := analyse(t, st.ViewFromScratch(), tenancy.Config{}, nil, nil)
	if d := cmp.Diff(report(t, full), report(t, inc)); d != "" {
		t.Errorf("after the last pod of x went, the incremental report differs (-full +incremental):\n%s", d)
	}
}

// An object in a namespace no Namespace declares brings the namespace, a
// tenant of its own: the facts that read the tenancy are made again, and
// the report is a full analysis's. (An ExternalName in default points
// there, for the Service checks.)
func TestUpdateTenancyMoves(t *testing.T) {
	demo, err := load.FS(examples.SeedCluster, "demo")
	if err != nil {
		t.Fatal(err)
	}
	demo.Services = append(demo.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "ext"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.ghost.svc.cluster.local"}})
	st := snapshot.NewStore(demo)
	facts, _ := analyse(t, st.View(), tenancy.Config{}, nil, nil)
	report(t, facts)
	key, _, err := st.ServerSideApply(&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ghost", Name: "rb"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: "carol"}}})
	if err != nil {
		t.Fatal(err)
	}
	inc, stale := analyse(t, st.View(), tenancy.Config{}, facts, []snapshot.Key{key})
	full, _ := analyse(t, st.ViewFromScratch(), tenancy.Config{}, nil, nil)
	for _, e := range Engines() {
		if !stale[e.Name] {
			t.Errorf("the tenancy moved, but engine %s's facts were kept", e.Name)
		}
	}
	if d := cmp.Diff(report(t, full), report(t, inc)); d != "" {
		t.Fatalf("incremental report differs from a full analysis (-full +incremental):\n%s", d)
	}
}
